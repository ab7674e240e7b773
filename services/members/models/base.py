"""The one metadata of the members service's tables (its schema), which every module of the package fills."""
from sqlalchemy import MetaData

metadata = MetaData()
