"""Reads for the dashboard pages, one module per page. Every selector takes `account=` first and filters by it.

Query-string parsing lives in dashboard.filters (date range, website) and dashboard.call_filters (the calls
log), cursors in dashboard.cursors, CSV columns in dashboard.csv_columns; report numbers come from
reports.selectors, the one read path the API shares.
"""
