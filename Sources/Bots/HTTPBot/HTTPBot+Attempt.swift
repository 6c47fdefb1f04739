import BotKit
import BotTransport

extension HTTPBot {
    /// One attempt's transfer (the request in the API's wire format) and its parser.
    /// The transfer of one attempt to the deployment `index`, with its URL, secret and model.
    func exchange(_ request: BotRequest, deployment index: Int) throws -> (TransportRequest, any ResponseParser) {
        let settings = endpoints[index]
        let upstream = deployments[index].client
        let built = try format.chatRequest(request, settings: settings, stream: settings.stream)
        let spec = upstream.transfer(
            settings.baseURL + built.path, headers: built.headers + format.authHeaders(settings), body: built.body,
            deadline: request.deadline, trace: request.traceHeaders)
        return (spec, format.parser(stream: settings.stream))
    }
}
