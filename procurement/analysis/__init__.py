"""Analysis: the derived indicators (catalogue, queries, statistics, money) and exchange rates."""
