"""What Calm Calf tells people, one module per page; templates use `content.NAME`.

Content is data, not markup. Pages render it and the service worker's precache
list is built from the pages that show it, so nothing here needs a network.
Every tip carries an evidence label and a short source note (see
shared/content-brief.md).
"""

from . import pregnancy as pregnancy  # content.pregnancy.COMMON and such (its names would clash with bedtime's)
from .bedtime import *  # noqa: F403
from .checklist import *  # noqa: F403
from .doctor import *  # noqa: F403
from .emergency import *  # noqa: F403
from .relief import *  # noqa: F403
from .sources import *  # noqa: F403
from .triggers import *  # noqa: F403
