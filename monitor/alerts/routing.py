"""Which channels get an alert: the claim's channel tags, the severity map, else the default channels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from monitor.config import AlertSettings, ChannelSettings


def channels_tagged(channels: Sequence[ChannelSettings], tags: Iterable[str]) -> list[str]:
    """Names of the channels carrying any of `tags`, in config order."""
    wanted = set(tags)
    return [channel.name for channel in channels if wanted & set(channel.tags)]


def route(claim_tags: Sequence[str], severity: str, channels: Sequence[ChannelSettings],
          settings: AlertSettings) -> list[str]:
    """The channels for a claim alert: those tagged by the claim or by its severity; when none, the
    default channels; when no channel is configured at all, none (the alert is still recorded)."""
    tags = [*claim_tags, *settings.severity_channels.get(severity, [])]
    return channels_tagged(channels, tags) or channels_tagged(channels, settings.default_channels)


def operator_route(channels: Sequence[ChannelSettings], settings: AlertSettings) -> list[str]:
    """The channels that hear about the service itself: rejected rule edits, dead deliveries."""
    return channels_tagged(channels, settings.operator_channels)
