using System.Globalization;
using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>What a chat runs with; slash commands change it between turns.</summary>
internal sealed class ChatSettings
{
    public required string ModelId { get; init; }
    public string? System { get; set; }
    public required GenerationOptions Generation { get; init; }

    /// <summary>How SLOT fits the conversation each turn (times 0 = no fit).</summary>
    public required SlotOptions Slot { get; set; }

    /// <summary>/slot off turns SLOT off (no fit, no loaded delta) until /slot on.</summary>
    public bool SlotOn { get; set; } = true;

    /// <summary>A fixed delta applied at every turn instead of a fit, and the file it came from.</summary>
    public float[]? LoadedDelta { get; init; }
    public string? LoadedDeltaFile { get; init; }

    /// <summary>The turn's SLOT state in words, for the banner and the lines slash commands print.</summary>
    public string SlotDescription() =>
        !SlotOn ? "SLOT off"
        : LoadedDelta != null ? $"SLOT applies the delta loaded from {LoadedDeltaFile}"
        : Slot.Times == 0 ? "SLOT off (times 0)"
        : $"SLOT times {Slot.Times}, lr {Slot.Lr.ToString(CultureInfo.InvariantCulture)}, fitted on the whole conversation each turn";
}

/// <summary>Where a chat writes: answers on <see cref="Out"/>, everything else on <see cref="Error"/>.</summary>
/// <param name="Interactive">A person at a terminal: a prompt before each message and a SLOT line after each answer.
/// Off when stdin or stdout is redirected, so that a script reads exactly one answer per message on stdout.</param>
internal sealed record ChatConsole(TextWriter Out, TextWriter Error, bool Interactive);

/// <summary>
/// `slot chat`'s conversation: each message is appended to the history, the whole conversation is rendered with the
/// model's chat template and submitted to the engine as one request (SLOT fitted on all of it), and the answer streams
/// out and joins the history as the assistant's text. Only whole conversations go to the engine: reusing the previous
/// turns' KV is the engine's prefix cache's job, which then speeds up every turn without a change here.
/// </summary>
internal sealed partial class ChatSession(SlotEngine engine, ChatSettings settings, ChatConsole console)
{
    readonly RequestBuilder _requests = new(engine.Model);
    readonly List<ChatMessage> _history = [];
    readonly List<ChatTurn> _turns = [];
    readonly Lock _turnLock = new();
    CancellationTokenSource? _turn;
    float[]? _lastBias;

    public ChatSettings Settings => settings;

    /// <summary>The conversation so far, without the system message.</summary>
    public IReadOnlyList<ChatMessage> History => _history;

    /// <summary>Reads messages and slash commands, one a line, until the input ends or /exit.</summary>
    public void Run(TextReader input)
    {
        while (true)
        {
            if (console.Interactive) { console.Out.Write(">>> "); console.Out.Flush(); }
            var line = input.ReadLine();
            if (line == null) break;
            // "//text" sends "/text" as a message.
            if (line.StartsWith('/') && !line.StartsWith("//", StringComparison.Ordinal))
            {
                if (!Command(line)) break;
                continue;
            }
            if (line.StartsWith("//", StringComparison.Ordinal)) line = line[1..];
            if (string.IsNullOrWhiteSpace(line)) continue;
            Turn(line);
        }
        if (console.Interactive) console.Out.WriteLine();
    }

    /// <summary>Stops the answer being generated (Ctrl+C); false when none is.</summary>
    public bool CancelTurn()
    {
        lock (_turnLock)
        {
            if (_turn == null) return false;
            _turn.Cancel();
            return true;
        }
    }

    /// <summary>The messages the template renders this turn: the system message, if any, then the history.</summary>
    IReadOnlyList<ChatMessage> Conversation() =>
        settings.System is { } s ? [ChatMessage.System(s), .. _history] : [.. _history];

    void Turn(string text)
    {
        _history.Add(ChatMessage.User(text));
        _lastBias = null;
        using var cancel = new CancellationTokenSource();
        EngineResult result;
        lock (_turnLock) _turn = cancel;
        try
        {
            var handle = engine.Submit(Request(), cancel.Token);
            foreach (var piece in handle.Text.ReadAllAsync(CancellationToken.None).ToBlockingEnumerable(CancellationToken.None))
            {
                console.Out.Write(piece);
                console.Out.Flush();
            }
            result = handle.Completion.GetAwaiter().GetResult();
        }
        catch (SlotSharpException e)
        {
            // A conversation grown past the model's context, for one: the session goes on, without this message.
            Failed(e.Message + (e is ContextLengthException ? $" (/reset starts a new conversation; {LongContextOption.Name} allows it)" : ""));
            return;
        }
        finally
        {
            lock (_turnLock) _turn = null;
        }
        console.Out.WriteLine();
        console.Out.Flush();
        if (result.FinishReason == FinishReason.Error)
        {
            if (result.Error is not SlotSharpException user) { result.ThrowIfFailed(); return; } // a bug: the CLI reports it and exits
            Failed(user.Message, answerLineEnded: true);
            return;
        }
        if (result.FinishReason == FinishReason.Cancelled && result.GeneratedIds.Length == 0)
        {
            _history.RemoveAt(_history.Count - 1);
            console.Error.WriteLine("(stopped before the answer began; the message was not kept)");
            return;
        }
        // A stopped answer stays as far as it was shown, so the history is what the user saw.
        _history.Add(ChatMessage.Assistant(result.Text));
        _turns.Add(new ChatTurn(result.Usage, result.FinishReason, result.Slot));
        if (result.FinishReason == FinishReason.Cancelled) console.Error.WriteLine("(stopped)");
        if (console.Interactive) console.Error.WriteLine(ChatTurn.Describe(result));
    }

    /// <summary>This turn's request: the whole conversation, with SLOT as the settings say now.</summary>
    EngineRequest Request()
    {
        bool slot = settings.SlotOn;
        return _requests.Build(PromptInput.FromMessages(Conversation()), settings.Generation,
            slot && settings.LoadedDelta == null ? settings.Slot : null, loadedDelta: slot ? settings.LoadedDelta : null) with
        {
            OnLogitBias = b => _lastBias = b,
        };
    }

    /// <summary>A turn that produced no answer: an empty answer line keeps scripts aligned, and the message is dropped.</summary>
    void Failed(string message, bool answerLineEnded = false)
    {
        _history.RemoveAt(_history.Count - 1);
        if (!answerLineEnded) console.Out.WriteLine();
        console.Out.Flush();
        console.Error.WriteLine($"error: {message}");
    }
}
