"""Everything that talks to a language model (openai, tiktoken), plus the offline summarizer."""
