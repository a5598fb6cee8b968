"""MkDocs entry point for WageSafe's hooks (mkdocs.yml ``hooks:``).

MkDocs loads this file by path, as a fresh module; the code lives in the package
``wagesafe.sitegen.hooks`` so that ``wagesafe build`` and the hooks share one module and
one registry.
"""

from wagesafe.sitegen.hooks import (on_config, on_files, on_nav, on_page_content,  # noqa: F401
                                    on_post_build, on_post_page)
