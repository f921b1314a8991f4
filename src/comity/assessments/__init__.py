"""Assessments in the product: the panel on each request, dated snapshots, memos, the defence
exposure view and the Red Notice compliance check. The rules are comity.law.assess (pure)."""
