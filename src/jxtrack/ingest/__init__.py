"""Spreadsheets in -> validated rows or a list of problems.  No database, no Streamlit.

``monthly.parse`` reads a county's monthly sheet (reader -> layout -> validate, the header grammar in
``header``); ``ledger.parse_ledger`` a project ledger; ``template`` and ``ledger_template`` write the
templates both read back.  The services (jxtrack.services.importing, .projects, .entry) add what needs
the database."""
