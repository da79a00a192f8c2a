from tests.knowledge.support import asking

__all__ = ["asking"]
