"""The public subscriber pages: subscribe, confirm, manage, unsubscribe. No JavaScript."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aviso.notify import conf, subscriptions
from aviso.notify.forms import PreferencesForm, SmsCodeForm, SubscribeForm
from aviso.notify.models import Subscriber
from aviso.notify.ratelimit import allow, client_address
from aviso.status.languages import use_page_language
from aviso.status.models import Page
from aviso.status.routing import SignInRequired, may_view, public_page


def _page(request: HttpRequest) -> Page:
    slug = request.GET.get("page") or request.POST.get("page")
    page = Page.objects.filter(slug=slug).first() if slug else public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    if page.private and not may_view(request, page):
        raise SignInRequired(page)
    use_page_language(request, page)
    return page


def _subscriber(request: HttpRequest, token: str) -> Subscriber:
    """The subscriber a link names; their pages speak their language unless a prefix says."""
    subscriber = get_object_or_404(Subscriber.objects.select_related("page"), token=token)
    if getattr(request, "language_prefix", None) is None:
        translation.activate(subscriber.language)
        request.LANGUAGE_CODE = subscriber.language
    else:
        use_page_language(request, subscriber.page)
    return subscriber


def _apply_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    language = translation.get_language() or "en"
    if request.method != "POST":
        form = SubscribeForm(page=page, initial={"language": language})
        return render(request, "notify/subscribe.html", {"page": page, "form": form})
    limit, window = conf.subscribe_limit()
    if not allow("subscribe", client_address(request), limit, window):
        return render(request, "notify/too_many.html", {"page": page}, status=429)
    form = SubscribeForm(request.POST, page=page)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "email":
                subscriptions.subscribe_email(
                    page,
                    data["email"],
                    actor=subscriptions.PUBLIC,
                    language=data["language"],
                    components=data["components"],
                )
            elif data["kind"] in ("slack", "teams"):
                subscriptions.subscribe_chat(
                    page,
                    data["kind"],
                    data["url"],
                    actor=subscriptions.PUBLIC,
                    language=data["language"],
                    components=data["components"],
                )
            elif data["kind"] == "sms":
                subscriber = subscriptions.subscribe_sms(
                    page,
                    data["phone"],
                    actor=subscriptions.PUBLIC,
                    language=data["language"],
                    components=data["components"],
                )
                code_form = SmsCodeForm(initial={"phone": subscriber.address})
                return render(
                    request,
                    "notify/subscribed.html",
                    {"page": page, "kind": "sms", "code_form": code_form},
                )
            else:
                subscriptions.subscribe_webhook(
                    page, data["url"], actor=subscriptions.PUBLIC, components=data["components"]
                )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            # The same answer whether the address was new, pending or already subscribed.
            return render(request, "notify/subscribed.html", {"page": page, "kind": data["kind"]})
    return render(request, "notify/subscribe.html", {"page": page, "form": form}, status=400)


@require_http_methods(["POST"])
def sms_confirm(request: HttpRequest) -> HttpResponse:
    """The code texted to a number, typed back: the number's owner said yes."""
    page = _page(request)
    limit, window = conf.subscribe_limit()
    if not allow("sms-confirm", client_address(request), limit * 2, window):
        return render(request, "notify/too_many.html", {"page": page}, status=429)
    form = SmsCodeForm(request.POST)
    if form.is_valid():
        subscriber = subscriptions.confirm_sms(
            page, form.cleaned_data["phone"], form.cleaned_data["code"], actor=subscriptions.PUBLIC
        )
        if subscriber is not None:
            return render(
                request, "notify/confirmed.html", {"page": page, "subscriber": subscriber}
            )
        form.add_error("code", _("This code is not the one we sent, or it has expired."))
    return render(
        request,
        "notify/subscribed.html",
        {"page": page, "kind": "sms", "code_form": form},
        status=400,
    )


@require_http_methods(["GET", "HEAD"])
def webhook_docs(request: HttpRequest) -> HttpResponse:
    """What a webhook receiver gets and how it checks the signature (``meta.documentation``)."""
    return render(request, "notify/webhook_docs.html", {"page": _page(request)})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST confirms."""
    subscriber = _subscriber(request, token)
    if request.method == "POST":
        subscriptions.confirm(subscriber, actor=subscriptions.PUBLIC)
        return render(
            request,
            "notify/confirmed.html",
            {"page": subscriber.page, "subscriber": subscriber},
        )
    return render(
        request, "notify/confirm.html", {"page": subscriber.page, "subscriber": subscriber}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = _subscriber(request, token)
    page = subscriber.page
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST, page=page, current_language=subscriber.language)
        if form.is_valid():
            try:
                subscriptions.update_preferences(
                    subscriber,
                    actor=subscriptions.PUBLIC,
                    language=form.cleaned_data["language"],
                    components=form.cleaned_data["components"],
                )
                saved = True
            except ValidationError as error:
                _apply_errors(form, error)
    else:
        chosen = (
            []
            if subscriber.all_components
            else subscriber.components.values_list("code", flat=True)
        )
        form = PreferencesForm(
            page=page,
            current_language=subscriber.language,
            initial={"language": subscriber.language, "components": list(chosen)},
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "notify/manage.html",
        {"page": page, "subscriber": subscriber, "form": form, "saved": saved},
        status=status,
    )


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = _subscriber(request, token)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber, actor=subscriptions.PUBLIC)
        return render(
            request, "notify/unsubscribed.html", {"page": subscriber.page, "subscriber": subscriber}
        )
    return render(
        request, "notify/unsubscribe.html", {"page": subscriber.page, "subscriber": subscriber}
    )
