"""The care rule engine, in plain Python (no Django import): conditions as data, validated, evaluated
person by person and explained in Chinese; ``linli.care.selectors`` compiles the same tree into one
bulk query per rule."""
