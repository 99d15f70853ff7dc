"""Shop context connectors (issue 19): what Shopify or WooCommerce knows about a requester.

``shopify.py`` and ``woocommerce.py`` do the I/O through the one ``connectors.transport``;
``shopify_mapping.py`` and ``woocommerce_mapping.py`` are pure; both answer with
``router.customer.CustomerContext`` values, keyed by the lookup key asked for.
"""

from connectors.shop.base import Shop, lookup_kind
from connectors.shop.factory import build_shop

__all__ = ["Shop", "build_shop", "lookup_kind"]
