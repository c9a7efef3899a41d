using System.Net.Http.Headers;
using SlotSharp.Tests.Serving;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// Refused huge bodies leave the server no larger (issue 19, defect 2: three refused 46 MB bodies grew it by 4.3 GB
/// for good). Resident memory of the real `slot serve`, read from /proc.
/// </summary>
public sealed class ServeMemoryTests
{
    static async Task<int> Post(HttpClient http, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        using var r = await http.PostAsync("/v1/chat/completions", content);
        return (int)r.StatusCode;
    }

    [SkippableFact]
    public async Task ThreeConcurrentRefusedHugeBodiesLeaveTheServerNoLarger()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc");
        var model = SharedAssets.Require("models", "tiny-qwen2");
        using var server = await ServeProcess.Start(model, "--quiet");
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(5) };
        var body = HostileBodyTests.ManyMessages(500_000); // 17 MB
        Assert.Equal(400, await Post(http, body)); // the route, the bounds and the collector warm up
        await Task.Delay(2000);
        long before = server.ResidentBytes();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Post(http, body)));
        Assert.All(statuses, s => Assert.Equal(400, s));
        await Task.Delay(2000); // the collection runs half a second after the last request
        long after = server.ResidentBytes();
        // Three bodies held at once are 51 MB; kept, they would show whole.
        Assert.True(after - before < body.Length, $"resident memory grew by {(after - before) / 1e6:F1} MB ({before / 1e6:F0} MB before)");
    }
}
