"""Request builder (issue 5): drafts that are right the first time.

- `checks`: completeness against the legal basis (data/requirements.yaml, each element with its article and a
  verified flag), quality checks (each with a reason a user can read), the requested State's requirements
  (country profile, channels.yaml) and default translation languages. Plain data; no database.
- `render`: the same blocks rendered to PDF (WeasyPrint, autoescaped template) and DOCX (python-docx plain runs).
- `actions`: every change (start, save, minimise personal data, languages, translations, generate); the lifecycle
  guard `translations_done` (registered in apps.py).
- `system_checks`: fonts, templates and data are checked at start-up.
- `cli`: `comity draft check|generate`.
"""
