import BotKit
import BotTransport

extension HTTPBotSettings {
    /// Most deployments one bot may have.
    static let maxDeployments = 32

    /// `URL` as one URL or a comma-separated list; `API_KEY` and `MODEL` one for all or one
    /// per URL; `WEIGHTS` one per URL. A bad list names its variable.
    static func deployments(_ configuration: BotConfiguration) throws -> [Deployment] {
        func list(_ key: String) -> [String]? {
            configuration.string(key).map { text in
                text.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
            }
        }
        let urls = try list("URL") ?? [configuration.require("URL")]
        guard (1...maxDeployments).contains(urls.count) else {
            throw BotConfigurationError(configuration.variable("URL"), "must list 1 to \(maxDeployments) URLs")
        }
        let count = urls.count
        /// A list of one value for all, or one per URL.
        func perURL(_ key: String) throws -> [String]? {
            guard let values = list(key) else { return nil }
            guard values.count == 1 || values.count == count else {
                throw BotConfigurationError(
                    configuration.variable(key), "must be one value, or one per URL (\(count)), comma-separated")
            }
            return values.count == 1 ? Array(repeating: values[0], count: count) : values
        }
        let keys = try perURL("API_KEY")
        for key in keys ?? [] where key.isEmpty || UpstreamPolicy.isHeaderSafe(key) == false {
            throw BotConfigurationError(configuration.variable("API_KEY"), "must be printable ASCII")
        }
        _ = try configuration.require("MODEL")
        let models = try perURL("MODEL") ?? []
        guard models.allSatisfy({ $0.isEmpty == false }) else {
            throw BotConfigurationError(configuration.variable("MODEL"), "must name a model for every URL")
        }
        var weights = Array(repeating: 1, count: count)
        if let values = list("WEIGHTS") {
            guard values.count == count else {
                throw BotConfigurationError(configuration.variable("WEIGHTS"), "must give one weight per URL (\(count))")
            }
            weights = try values.map { value in
                guard let weight = Int(value), (1...1000).contains(weight) else {
                    throw BotConfigurationError(
                        configuration.variable("WEIGHTS"), "must be whole numbers from 1 to 1000, got \"\(value)\"")
                }
                return weight
            }
        }
        return try urls.enumerated().map { index, url in
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw BotConfigurationError(
                    configuration.variable("URL"), "must start with http:// or https://, got \"\(url)\"")
            }
            return Deployment(
                baseURL: url.hasSuffix("/") ? String(url.dropLast()) : url, apiKey: keys?[index], model: models[index],
                weight: weights[index])
        }
    }
}
