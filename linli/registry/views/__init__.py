"""Registry pages: persons, households, buildings, organisations, staff, four-no-miss, import/export."""
