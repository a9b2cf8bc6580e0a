"""Cases: the vocabulary, validation, values and formats of a case, reading and writing it.

``fields`` (the one vocabulary) → ``validate`` (the one validation) → ``values`` (the stored
form, diff) → ``store`` (the one writer) and ``query`` (reading) → ``formats`` (the one
serialiser per format). Layers above (exchange, reporting, cli) use these; nothing here
imports them.
"""
