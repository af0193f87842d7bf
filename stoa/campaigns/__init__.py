"""Paid campaigns: a workspace's monthly plan, each campaign's audience checked against its ads platform, the export
to the platform, the import of its results, pacing against the budget and ROI with the links' conversions."""
