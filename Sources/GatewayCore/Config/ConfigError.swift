import BotKit

/// A configuration problem, reported as one line naming the variable
/// (`configuration error: <VARIABLE> <problem>`). The gateway's settings and the bots'
/// own settings fail the same way, so it is BotKit's error type.
public typealias ConfigError = BotConfigurationError
