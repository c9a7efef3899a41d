using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// A streamed completion of 8000 tokens (ignore_eos) that has sent its first event, so it holds a place on the model
/// until disposed; disposing it disconnects the client mid-stream.
/// </summary>
public sealed class DecodingStream : IDisposable
{
    readonly HttpRequestMessage _request;
    readonly HttpResponseMessage _response;
    readonly StreamReader _reader;

    DecodingStream(HttpRequestMessage request, HttpResponseMessage response, StreamReader reader)
    {
        _request = request; _response = response; _reader = reader;
    }

    public static async Task<DecodingStream> Start(OpenAiServer s)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = OpenAiSdkTests.JsonContent(new JsonObject
            {
                ["prompt"] = OpenAiServer.Ids([1, 2, 3]), ["max_tokens"] = 8000, ["ignore_eos"] = true, ["stream"] = true, ["temperature"] = 0,
            }),
        };
        var response = await s.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync()); // decoding now
        return new DecodingStream(request, response, reader);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
        _request.Dispose();
    }
}
