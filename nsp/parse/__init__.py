"""Natural language to first-order logic: the symbolic controlled-English parser and LLM back ends."""
