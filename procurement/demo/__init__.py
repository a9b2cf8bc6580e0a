"""The illustrative, fictional demo data set (tables, generator, loader), `procurement demo`."""
