"""The foundation: errors, code lists, the CPV vocabulary and the clock (no database, no click)."""
