"""Request builder: drafts checked against the legal basis, generated as PDF and DOCX, translations."""
