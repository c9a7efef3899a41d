using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Server;
using SlotSharp.Tests.Checkpoints;

namespace SlotSharp.Tests.Serving;

/// <summary>
/// A client that leaves stops the chat template's render (issue 19, defect 2: rendering ran to its end on the
/// request thread, whoever was left to read the answer). The template here is slow on purpose, within the sandbox's
/// limits; its full render time, measured directly, is the oracle the server's time is held to.
/// </summary>
public sealed class RenderCancellationTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-render-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // 9 x 99,999 loop iterations: under the sandbox's 1,000,000, several seconds of rendering.
    const string SlowTemplate = "{% for m in messages %}{% for i in range(99999) %}{% set x = (i * 7) % 13 %}{% endfor %}"
        + "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n";

    static readonly JsonArray NineMessages = new([.. Enumerable.Range(0, 9).Select(i => (JsonNode)new JsonObject { ["role"] = "user", ["content"] = $"m{i}" })]);

    static readonly List<ChatMessage> Messages = [.. Enumerable.Range(0, 9).Select(i => ChatMessage.User($"m{i}"))];

    /// <summary>The oracle: the whole render's time, the faster of two (the first pays for compiling the interpreter).</summary>
    static double WholeRender(ChatTemplate template)
    {
        double best = double.MaxValue;
        for (int i = 0; i < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            template.Render(Messages, addGenerationPrompt: true);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    [SkippableFact]
    public void ACancelledRenderStopsWithinMilliseconds()
    {
        var template = ChatTemplate.Parse(SlowTemplate);
        double full = WholeRender(template);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(full / 10));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => template.Render(Messages, true, null, null, cancel.Token));
        Assert.True(clock.Elapsed.TotalSeconds < full / 3, $"stopped after {clock.Elapsed.TotalSeconds:F2} s; the whole render takes {full:F2} s");
    }

    [SkippableFact]
    public async Task AClientThatLeavesDuringTheRenderStopsIt()
    {
        var model = CheckpointCopy.Of(SharedAssets.Require("models", "tiny-qwen2"), Path.Combine(_dir, "model"));
        CheckpointCopy.EditJson(model, "tokenizer_config.json", c => c["chat_template"] = SlowTemplate);
        double fullSeconds = WholeRender(ChatTemplate.FromModelFolder(model));

        var log = new StringWriter();
        await using var s = await OpenAiServer.Start(new ServeSettings { AccessLog = log }, model);
        // The first request reads the prompt bounds off the vocabulary; that is not the render this test times.
        var (warm, _) = await s.Post("/v1/completions", new JsonObject { ["prompt"] = "hi", ["max_tokens"] = 1 });
        Assert.Equal(200, warm);
        lock (log) log.GetStringBuilder().Clear();
        using (var leave = new CancellationTokenSource(TimeSpan.FromSeconds(fullSeconds / 10)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.Http.PostAsync("/v1/chat/completions",
                new StringContent(new JsonObject { ["messages"] = NineMessages.DeepClone(), ["max_tokens"] = 1 }.ToJsonString(),
                    System.Text.Encoding.UTF8, "application/json"), leave.Token));
        }
        // The access log line is written when the route returns: at once when the render stops, after the whole
        // render when it does not.
        string? line = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(fullSeconds * 3 + 30);
        while (line == null && DateTime.UtcNow < deadline)
        {
            lock (log) line = log.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("POST /v1/chat/completions", StringComparison.Ordinal));
            if (line == null) await Task.Delay(20);
        }
        Assert.NotNull(line);
        Assert.Contains(" 499 ", line);
        double ms = double.Parse(line.Split(' ')[^2], CultureInfo.InvariantCulture);
        Assert.True(ms / 1000 < fullSeconds / 3, $"the request ended after {ms:F0} ms; the whole render takes {fullSeconds * 1000:F0} ms ({line})");
    }
}
