import os
import sys

# make the brute-force references in tests/_reference.py importable
sys.path.insert(0, os.path.dirname(__file__))
