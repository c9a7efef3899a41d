using System.Globalization;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>The slash commands: each prints one line on the error stream (stdout carries answers only) and the chat goes on.</summary>
internal sealed partial class ChatSession
{
    public const string Help = "commands: /times N, /lr X, /slot on|off, /system TEXT, /reset, /save FILE, /explain [K], /help, /exit " +
                               "(//text sends a message starting with /; Ctrl+C stops an answer, Ctrl+D leaves)";

    /// <summary>Runs one slash command; false when it ends the session.</summary>
    bool Command(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var arg = space < 0 ? "" : line[(space + 1)..].Trim();
        switch (name)
        {
            case "/exit" or "/quit": return false;
            case "/help": Say(Help); break;
            case "/times": Times(arg); break;
            case "/lr": Lr(arg); break;
            case "/slot": SlotSwitch(arg); break;
            case "/system":
                settings.System = arg.Length == 0 ? null : arg;
                Say(arg.Length == 0 ? "system message removed" : "system message set (it applies to the whole conversation from the next turn)");
                break;
            case "/reset":
                _history.Clear();
                _turns.Clear();
                _lastBias = null;
                Say("conversation cleared (the system message and settings are kept)");
                break;
            case "/save": Save(arg); break;
            case "/explain": Explain(arg); break;
            default: Say($"unknown command '{name}'; {Help}"); break;
        }
        return true;
    }

    void Say(string line) => console.Error.WriteLine(line);

    void Times(string arg)
    {
        if (!FitsDelta("/times")) return;
        if (!int.TryParse(arg, NumberStyles.Integer, CultureInfo.InvariantCulture, out var times) || times is < 0 or > SlotOptions.MaxTimes)
        {
            Say($"/times: expected an integer from 0 to {SlotOptions.MaxTimes}, got '{arg}'");
            return;
        }
        settings.Slot = settings.Slot with { Times = times };
        Say(settings.SlotDescription());
    }

    void Lr(string arg)
    {
        if (!FitsDelta("/lr")) return;
        if (!double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) || !double.IsFinite(lr) || lr <= 0)
        {
            Say($"/lr: expected a finite number > 0, got '{arg}'");
            return;
        }
        settings.Slot = settings.Slot with { Lr = lr };
        Say(settings.SlotDescription());
    }

    /// <summary>times and lr shape the per-turn fit; a session applying a loaded delta fits nothing.</summary>
    bool FitsDelta(string command)
    {
        if (settings.LoadedDelta == null) return true;
        Say($"{command}: this chat applies the delta loaded from {settings.LoadedDeltaFile} and fits none; start it without --load-delta to fit one per turn");
        return false;
    }

    void SlotSwitch(string arg)
    {
        switch (arg)
        {
            case "on": settings.SlotOn = true; break;
            case "off": settings.SlotOn = false; break;
            case "": break;
            default: Say($"/slot: expected on or off, got '{arg}'"); return;
        }
        Say(settings.SlotDescription());
    }

    void Save(string file)
    {
        if (file.Length == 0)
        {
            Say("/save: give a file name, e.g. /save chat.json");
            return;
        }
        try
        {
            File.WriteAllText(file, ChatTranscript.Build(settings, _history, _turns));
            Say($"saved the conversation ({_history.Count} messages) to {file}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Say($"/save: cannot write '{file}': {e.Message}");
        }
    }

    void Explain(string arg)
    {
        int k = 10;
        if (arg.Length > 0 && (!int.TryParse(arg, NumberStyles.Integer, CultureInfo.InvariantCulture, out k) || k < 1))
        {
            Say($"/explain: expected a positive number of tokens, got '{arg}'");
            return;
        }
        if (_lastBias is not { } bias)
        {
            Say("/explain: the last answer had no SLOT bias (no answer yet, SLOT off, or times 0)");
            return;
        }
        GenerateCommand.Explain(engine.Model.Tokenizer, bias, k, console.Error);
    }
}
