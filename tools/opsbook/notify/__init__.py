"""Chat webhooks (Slack-compatible, Microsoft Teams Workflows): one post per incident event, never twice."""
