from tests.digests.support import dworld

__all__ = ["dworld"]
