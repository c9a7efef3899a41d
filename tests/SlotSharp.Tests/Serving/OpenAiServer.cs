using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using SlotSharp.Server;

using SlotSharp.Runtime;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Serving;

/// <summary>`slot serve` on 127.0.0.1 (a free port) for tiny-qwen2, with an HttpClient on it.</summary>
public sealed class OpenAiServer : IAsyncDisposable
{
    public Golden Golden { get; }
    internal TestModel Pipeline { get; }
    public WebApplication App { get; }
    public HttpClient Http { get; }
    public Uri BaseUri => new(App.Urls.First());

    OpenAiServer(Golden golden, TestModel pipeline, WebApplication app)
    {
        Golden = golden; Pipeline = pipeline; App = app;
        Http = new HttpClient { BaseAddress = BaseUri };
    }

    /// <param name="modelDir">Another copy of tiny-qwen2 (e.g. with other eos ids); default the shared one.</param>
    public static async Task<OpenAiServer> Start(ServeSettings? settings = null, string? modelDir = null)
    {
        var golden = Golden.Load("tiny-qwen2");
        var pipeline = TestModel.Load(modelDir ?? golden.ModelDir);
        var app = new SlotServer(pipeline.Model, settings ?? new ServeSettings()).Build("http://127.0.0.1:0");
        await app.StartAsync();
        return new OpenAiServer(golden, pipeline, app);
    }

    public static JsonArray Ids(IEnumerable<int> ids) => new([.. ids.Select(i => (JsonNode)i)]);

    /// <summary>Scrapes /metrics until it holds <paramref name="line"/>; a deadline turns a state never reached into a failure.</summary>
    public async Task WaitForMetric(string line)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string text;
        while (!(text = await Http.GetStringAsync("/metrics")).Contains(line, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"/metrics never showed '{line}'; last:\n{text}");
            await Task.Delay(20);
        }
    }

    public async Task<(int Status, JsonObject Body)> Post(string path, JsonObject body)
    {
        var r = await Http.PostAsJsonAsync(path, body);
        return ((int)r.StatusCode, (await r.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Pipeline.Dispose();
    }
}
