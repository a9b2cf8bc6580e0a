"""Markers of where cases came from."""

# ``source_publisher`` of every case loaded by ``procurement demo``. Reports made from a
# database holding such cases say that the data are fictional and illustrative.
DEMO_PUBLISHER = "Illustrative demo data set (fictional)"
