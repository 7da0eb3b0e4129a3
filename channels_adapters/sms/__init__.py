"""SMS over Twilio: form webhooks in, numbered menus out, GSM-7 aware segmentation."""

from channels_adapters.sms.adapter import SmsAdapter
from channels_adapters.sms.signature import verify_signature

__all__ = ["SmsAdapter", "verify_signature"]
