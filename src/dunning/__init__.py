"""dunning: compliant, measurable collection SMS for digital lenders.

合规、可度量的催收短信平台。
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
