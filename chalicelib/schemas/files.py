"""The one file-slot request: what a client says about a file before it gets a presigned upload."""
from pydantic import Field

from chalicelib.validation import Schema

MAX_FILE_BYTES = 1024 * 1024 * 1024   # the schema's outer bound; each slot's own limit is a rule


class FileSlotIn(Schema):
    file_name: str = Field(title="文件名", min_length=1, max_length=200)
    content_type: str = Field(title="文件类型", min_length=1, max_length=100)
    size: int = Field(title="文件大小", ge=1, le=MAX_FILE_BYTES)
