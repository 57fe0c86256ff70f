"""Statuspage's management API (v1), served at ``/v1/`` (docs/statuspage-v1.md).

A tool written for ``https://api.statuspage.io/v1`` only needs its host
changed: the same paths (with or without ``.json``), the same field names,
JSON or form-encoded bodies wrapped in the resource name, ``Authorization:
OAuth <key>`` (or ``?api_key=``), ``page``/``per_page``/``limit`` pagination
and ``{"error": ...}`` errors. Keys are Aviso's API tokens; page ids are
``Page.code``. Every write calls the status lifecycle (or the notify app's
subscription functions), so it is audited and announced like any other.

Plain Django views rather than django-ninja: Statuspage's bracketed form
bodies, ``.json`` suffixes and error shapes would each need working around
in ninja, and the paths here are a fixed contract, not an API we design.
"""
