"""Every form field says its label through the catalogs.

A field without a label gets one Django makes from its name ("Alert kinds"),
in English whatever the reader's language.
"""

from __future__ import annotations

import importlib

from django import forms
from django.utils.functional import Promise

from aviso.catalogs import PACKAGE_DIR, source_files


def project_forms() -> list[type[forms.BaseForm]]:
    for path in source_files():
        relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        if path.suffix != ".py" or not path.read_text(encoding="utf-8").count("forms."):
            continue
        if {"management", "__main__"} & set(relative.parts) or path.name in {"wsgi.py", "asgi.py"}:
            continue
        importlib.import_module(".".join(relative.parts))
    found, queue = [], [forms.BaseForm]
    while queue:
        for cls in queue.pop().__subclasses__():
            queue.append(cls)
            if cls.__module__.startswith("aviso.") and ".tests." not in cls.__module__:
                found.append(cls)
    return found


def unlabelled(form: type[forms.BaseForm]) -> list[str]:
    return [
        f"{form.__module__}.{form.__name__}.{name}"
        for name, field in form.base_fields.items()
        if not field.widget.is_hidden and not isinstance(field.label, Promise)
    ]


class TestFormLabels:
    def test_the_project_has_forms_to_read(self):
        assert len(project_forms()) >= 8

    def test_every_field_has_a_translated_label(self):
        missing = [name for form in project_forms() for name in unlabelled(form)]
        assert not missing, "fields without a label from the catalogs:\n" + "\n".join(missing)

    def test_it_reports_a_field_without_a_label_or_with_an_untranslated_one(self):
        class Bare(forms.Form):
            alert_kinds = forms.CharField()
            name = forms.CharField(label="Name")
            version = forms.IntegerField(widget=forms.HiddenInput)

        assert unlabelled(Bare) == [f"{__name__}.Bare.alert_kinds", f"{__name__}.Bare.name"]
