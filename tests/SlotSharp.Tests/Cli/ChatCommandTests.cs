using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Cli.Commands;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;
using SlotSharp.Tests.ChatClients;

namespace SlotSharp.Tests.Cli;

/// <summary>
/// `slot chat` on tiny-qwen2. Each answer is checked against an independent path: the conversation the test builds
/// itself (the messages as it expects them after each turn and slash command), rendered by the RequestBuilder and run
/// through the engine as one request.
/// </summary>
public sealed class ChatCommandTests(TinyQwenFixture fixture) : IClassFixture<TinyQwenFixture>, IDisposable
{
    const int MaxNew = 12;
    static readonly System.Text.Json.JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-chat-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>What the engine answers to <paramref name="messages"/> rendered whole, greedy, with the model's defaults.</summary>
    EngineResult Expected(IReadOnlyList<ChatMessage> messages, SlotOptions? slot, float[]? delta = null, int maxNew = MaxNew)
    {
        var model = fixture.Pipeline;
        var requests = new RequestBuilder(model.Model);
        var request = requests.Build(PromptInput.FromMessages(messages), requests.DefaultGeneration with { MaxNewTokens = maxNew }, slot,
            loadedDelta: delta);
        return model.Engine.Generate(request).ThrowIfFailed();
    }

    static SlotOptions Fit(int times) => new() { Times = times, Lr = 0.1 };

    [SkippableFact]
    public void ChatThroughStdinEqualsTheSameTurnsSentOneByOneWithTheRenderedHistory()
    {
        var modelDir = SharedAssets.Require("models", "tiny-qwen2");
        var transcript = Path.Combine(_dir, "chat.json");
        var stdin = string.Join('\n', "Hello", "/times 2", "What is 2+2?", "/slot off", "More, please.", "/reset",
            "/system Answer briefly.", "/slot on", "//slashes are words too", "/save " + transcript, "");
        var (code, stdout, stderr) = SlotProcess.RunWithInput(stdin, null, "chat", "--model", modelDir, "--dtype", "fp32",
            "--max-new-tokens", MaxNew.ToString(System.Globalization.CultureInfo.InvariantCulture), "--times", "3", "--lr", "0.1");
        Assert.True(code == 0, stderr);

        // The same conversation, built here: turn by turn, with the settings each slash command should have left.
        var history = new List<ChatMessage> { ChatMessage.User("Hello") };
        var a1 = Expected(history, Fit(3));
        history.AddRange([ChatMessage.Assistant(a1.Text), ChatMessage.User("What is 2+2?")]);
        var a2 = Expected(history, Fit(2));
        history.AddRange([ChatMessage.Assistant(a2.Text), ChatMessage.User("More, please.")]);
        var a3 = Expected(history, null);
        var afterReset = new List<ChatMessage> { ChatMessage.System("Answer briefly."), ChatMessage.User("/slashes are words too") };
        var a4 = Expected(afterReset, Fit(2));

        Assert.Equal(string.Concat(new[] { a1, a2, a3, a4 }.Select(a => a.Text + "\n")), stdout);
        // SLOT must matter here, or the /times and /slot checks above would pass with the settings ignored.
        Assert.NotEqual(Expected([ChatMessage.User("Hello")], null).GeneratedIds, a1.GeneratedIds);

        var saved = JsonNode.Parse(File.ReadAllText(transcript))!;
        Assert.Equal("tiny-qwen2", (string?)saved["model"]);
        Assert.Equal("Answer briefly.", (string?)saved["system"]);
        Assert.Equal([("user", "/slashes are words too"), ("assistant", a4.Text)],
            saved["messages"]!.AsArray().Select(m => ((string)m!["role"]!, (string)m["content"]!)));
        var turn = saved["turns"]!.AsArray().Single()!;
        Assert.Equal(2, (int)turn["slot"]!["times"]!);
        Assert.Equal(a4.Slot!.Losses, turn["slot"]!["losses"]!.AsArray().Select(l => (double)l!));
        Assert.Equal(a4.Usage.PromptTokens, (int)turn["prompt_tokens"]!);
        Assert.Equal(2, (int)saved["slot"]!["times"]!);
        Assert.True((bool)saved["slot"]!["enabled"]!);
    }

    /// <summary>Runs a session in this process on the fixture's engine; stdout and stderr as text.</summary>
    (string Out, string Err, ChatSession Session) Session(string input, ChatSettings settings, StringWriter? output = null)
    {
        output ??= new StringWriter();
        var err = new StringWriter();
        var session = new ChatSession(fixture.Pipeline.Engine, settings, new ChatConsole(output, err, Interactive: false));
        if (output is CancelOnFirstWrite c) c.Cancel = session.CancelTurn;
        session.Run(new StringReader(input));
        return (output.ToString(), err.ToString(), session);
    }

    ChatSettings Settings(float[]? delta = null, int maxNew = MaxNew) => new()
    {
        ModelId = "tiny-qwen2", Slot = Fit(3), LoadedDelta = delta, LoadedDeltaFile = delta == null ? null : "d.safetensors",
        Generation = new GenerationOptions { MaxNewTokens = maxNew, RepetitionPenalty = fixture.Pipeline.DefaultRepetitionPenalty },
    };

    /// <summary>
    /// Issue 24's per-turn reuse: each turn's prompt starts with the last one's (and, without SLOT, with its answer), so
    /// the engine's prefix cache prefills only the new part; the answers are what a fresh prefill of the whole
    /// conversation gives (an engine without the cache).
    /// </summary>
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachTurnReusesTheConversationSoFarAndAnswersAsAFreshPrefill(bool slot)
    {
        SharedAssets.Require("models", "tiny-qwen2");
        var settings = Settings();
        settings.SlotOn = slot;
        string stdout;
        EngineMetrics metrics;
        using (var cached = fixture.Pipeline.NewEngine(new EngineOptions()))
        {
            (stdout, _, _) = Session("Hello\nWhat is 2+2?\nMore, please.\n", settings);
            metrics = cached.Metrics;
        }
        var history = new List<ChatMessage> { ChatMessage.User("Hello") };
        int firstPrompt = fixture.Pipeline.EncodeChat(history).Length;
        string expected;
        using (fixture.Pipeline.NewEngine(new EngineOptions { PrefixCache = false }))
        {
            var a1 = Expected(history, slot ? Fit(3) : null);
            history.AddRange([ChatMessage.Assistant(a1.Text), ChatMessage.User("What is 2+2?")]);
            var a2 = Expected(history, slot ? Fit(3) : null);
            history.AddRange([ChatMessage.Assistant(a2.Text), ChatMessage.User("More, please.")]);
            var a3 = Expected(history, slot ? Fit(3) : null);
            expected = string.Concat(new[] { a1, a2, a3 }.Select(a => a.Text + "\n"));
        }
        Assert.Equal(expected, stdout);
        Assert.Equal(2, metrics.PrefixCacheHits); // turns 2 and 3
        Assert.True(metrics.PrefixCacheReusedTokens >= 2 * firstPrompt, $"{metrics.PrefixCacheReusedTokens} tokens reused");
    }

    [SkippableFact]
    public void CtrlCStopsTheAnswerAndTheConversationGoesOnWithWhatWasShown()
    {
        SharedAssets.Require("models", "tiny-qwen2");
        var full = Expected([ChatMessage.User("Tell me a long story.")], Fit(3), maxNew: 40);
        Assert.Equal(40, full.GeneratedIds.Length); // long enough that a stop after the first piece cuts it short

        var (stdout, stderr, session) = Session("Tell me a long story.\nAnd then?\n", Settings(maxNew: 40), new CancelOnFirstWrite());

        var shown = session.History[1].Content!;
        Assert.Equal("assistant", session.History[1].Role);
        Assert.StartsWith(shown, full.Text, StringComparison.Ordinal);
        Assert.True(shown.Length < full.Text.Length, $"the answer was not cut: '{shown}'");
        Assert.Contains("(stopped)", stderr, StringComparison.Ordinal);
        // The second turn sees the answer as far as it was shown.
        var second = Expected([ChatMessage.User("Tell me a long story."), ChatMessage.Assistant(shown), ChatMessage.User("And then?")], Fit(3), maxNew: 40);
        Assert.Equal(shown + "\n" + second.Text + "\n", stdout);
    }

    [SkippableFact]
    public void LoadedDeltaIsAppliedAtEveryTurnAndRefusesTimes()
    {
        var golden = Golden.Load("tiny-qwen2");
        var delta = Golden.Doubles(golden.Prompt("len8")["slot_seed"]![2]!["delta"]).Select(d => (float)d).ToArray();
        var (stdout, stderr, _) = Session("Hi\n/times 4\nAgain\n", Settings(delta));

        var a1 = Expected([ChatMessage.User("Hi")], null, delta);
        var a2 = Expected([ChatMessage.User("Hi"), ChatMessage.Assistant(a1.Text), ChatMessage.User("Again")], null, delta);
        Assert.True(a1.Slot!.Loaded);
        Assert.Equal(a1.Text + "\n" + a2.Text + "\n", stdout);
        Assert.Contains("/times: this chat applies the delta loaded from d.safetensors", stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void BadSlashCommandsSayWhatTheyExpectInOneLineAndTheChatGoesOn()
    {
        SharedAssets.Require("models", "tiny-qwen2");
        var (stdout, stderr, session) = Session("/times many\n/lr -1\n/slot maybe\n/explain\n/bogus\n/save\n", Settings());
        Assert.Equal("", stdout);
        Assert.Equal([
            "/times: expected an integer from 0 to 1000, got 'many'",
            "/lr: expected a finite number > 0, got '-1'",
            "/slot: expected on or off, got 'maybe'",
            "/explain: the last answer had no SLOT bias (no answer yet, SLOT off, or times 0)",
            $"unknown command '/bogus'; {ChatSession.Help}",
            "/save: give a file name, e.g. /save chat.json",
        ], stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, session.Settings.Slot.Times);
        Assert.Empty(session.History);
    }

    [SkippableFact]
    public void ExplainListsTheTokensTheLastAnswersBiasRaised()
    {
        SharedAssets.Require("models", "tiny-qwen2");
        var (_, stderr, _) = Session("Hello\n/explain 2\n", Settings());
        float[]? bias = null;
        var requests = new RequestBuilder(fixture.Pipeline.Model);
        var request = requests.Build(PromptInput.FromMessages([ChatMessage.User("Hello")]), requests.DefaultGeneration with { MaxNewTokens = MaxNew }, Fit(3))
            with { OnLogitBias = b => bias = b };
        fixture.Pipeline.Engine.Generate(request).ThrowIfFailed();
        // The two largest entries of b = W delta, found here by sorting the bias the engine reports.
        var top = Enumerable.Range(0, bias!.Length).OrderByDescending(i => bias[i]).Take(2)
            .Select(i => System.Text.Json.JsonSerializer.Serialize(fixture.Pipeline.Tokenizer.Decode([i]), RelaxedJson));
        var raised = stderr.Split('\n').Single(l => l.StartsWith("SLOT raised most: ", StringComparison.Ordinal));
        foreach (var t in top) Assert.Contains(t, raised, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("--times", "-1", "--times")]
    [InlineData("--top-p", "0", "--top-p")]
    [InlineData("--load-delta", "/nonexistent/d.safetensors", "--load-delta")]
    [InlineData("--model", "/nonexistent/model", "/nonexistent/model")]
    public void BadArgumentsAreNamedBeforeTheModelLoads(string flag, string value, string named)
    {
        var args = new List<string> { "chat", "--model", "/nonexistent/model" };
        if (flag == "--model") args[2] = value;
        else args.AddRange([flag, value]);
        var (code, _, stderr) = SlotProcess.RunWithInput("", null, [.. args]);
        Assert.Equal(2, code);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    /// <summary>Collects the answers and stops the first one at its first piece, as Ctrl+C does.</summary>
    sealed class CancelOnFirstWrite : StringWriter
    {
        bool _cancelled;

        public Func<bool> Cancel { get; set; } = () => false;

        public override void Write(string? value)
        {
            base.Write(value);
            if (!_cancelled && !string.IsNullOrEmpty(value)) _cancelled = Cancel();
        }
    }
}
