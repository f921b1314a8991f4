"""Reading the legal data set, one module per kind of data file.

    instruments.py  instruments/*.yaml: treaties, EU acts, EU agreements, domestic statutes (header,
                    articles, refusal grounds, designation lists, references between instruments)
    parties.py      the party rows of an instrument and their reservations; entry into force by the
                    treaty's own rule
    parameters.py   parameters/*.yaml: dated legal parameters
    clocks.py       clocks.yaml: legal clocks (ClockRule)
    offences.py     offences/: the ICCS table and the offence lists mapped onto it
    profiles.py     profiles/<ISO2>.yaml: country profiles, facts with their histories, nationals rules
    registers.py    interpol_members.yaml and version.yaml
    models.py       typed (pydantic) models of every kind of row, with the reasons the reader is given
    issues.py       the problems found: file, line (from the YAML marks), field and reason

``comity.law.loader`` assembles them (``compile_law``, ``load_law``) and keeps the public names.
"""
