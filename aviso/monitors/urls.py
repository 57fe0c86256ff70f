app_name = "monitors"

urlpatterns: list = []
