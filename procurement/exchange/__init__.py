"""Exchange: readers and writers of other formats (spreadsheets, OCDS). Readers map their input
to case values and write them through :mod:`procurement.cases.store`."""
