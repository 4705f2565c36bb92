"""The bilingual text of everything a person reads: one catalogue, one vocabulary, one list of problems."""
