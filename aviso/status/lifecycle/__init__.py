"""The only way anything in the status domain changes.

Each public function runs in one transaction and records, beside the change
itself, the component status history, one audit entry and one outbox event.
Views, the API, the checker and the CLI all call these.
"""

from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.alerts import alert_operators
from aviso.status.lifecycle.audiences import delete_audience, save_audience
from aviso.status.lifecycle.components import set_component_status
from aviso.status.lifecycle.config import (
    PAGE_IMAGES,
    create_component,
    create_group,
    create_page,
    delete_component,
    delete_group,
    set_page_image,
    update_component,
    update_group,
    update_page,
)
from aviso.status.lifecycle.errors import ConflictError, LifecycleError
from aviso.status.lifecycle.incidents import (
    create_incident,
    delete_incident,
    delete_update,
    edit_update,
    post_update,
    rename_incident,
    resolve_incident,
)
from aviso.status.lifecycle.maintenances import (
    cancel_maintenance,
    complete_maintenance,
    post_maintenance_update,
    schedule_maintenance,
    start_maintenance,
    update_maintenance,
)
from aviso.status.lifecycle.placements import place_component, unplace_component
from aviso.status.lifecycle.postmortems import (
    publish_postmortem,
    save_postmortem,
    unpublish_postmortem,
)
from aviso.status.lifecycle.viewer_tokens import issue_viewer_token, revoke_viewer_token

__all__ = [
    "Actor",
    "PAGE_IMAGES",
    "alert_operators",
    "ConflictError",
    "LifecycleError",
    "cancel_maintenance",
    "complete_maintenance",
    "create_component",
    "create_group",
    "create_incident",
    "create_page",
    "delete_audience",
    "delete_component",
    "delete_group",
    "delete_incident",
    "delete_update",
    "issue_viewer_token",
    "edit_update",
    "post_maintenance_update",
    "place_component",
    "post_update",
    "publish_postmortem",
    "rename_incident",
    "resolve_incident",
    "revoke_viewer_token",
    "save_audience",
    "save_postmortem",
    "schedule_maintenance",
    "set_component_status",
    "set_page_image",
    "start_maintenance",
    "unplace_component",
    "unpublish_postmortem",
    "update_component",
    "update_group",
    "update_maintenance",
    "update_page",
]

# Appended by the console: version-checked incident edits, audit entries for other apps.
from aviso.status.lifecycle.audit import record_change  # noqa: E402
from aviso.status.lifecycle.guarded import (  # noqa: E402
    delete_update_at_version,
    edit_update_at_version,
    save_postmortem_at_version,
    unpublish_postmortem_at_version,
)
from aviso.status.lifecycle.outbox import retry_event, set_event_dead  # noqa: E402
from aviso.status.lifecycle.records import historical  # noqa: E402

__all__ += [
    "delete_update_at_version",
    "edit_update_at_version",
    "historical",
    "record_change",
    "retry_event",
    "save_postmortem_at_version",
    "set_event_dead",
    "unpublish_postmortem_at_version",
]
