using System.Security.Cryptography;
using System.Text;

namespace SlotSharp.Chat.Tools;

/// <summary>What the parser found in the text so far: content to show, or a whole call (<see cref="Index"/> counts from 0).</summary>
internal abstract record ToolStreamEvent;
internal sealed record ContentDelta(string Text) : ToolStreamEvent;
internal sealed record ToolCallDelta(int Index, ToolCall Call) : ToolStreamEvent;

/// <summary>A whole output split into its content (outside the calls; "" for none) and its calls.</summary>
internal sealed record ToolCallOutput(string Content, IReadOnlyList<ToolCall> Calls);

/// <summary>
/// Splits a model's output into content and function calls as it is generated: feed text pieces with
/// <see cref="Push"/>, then <see cref="Finish"/>. Content is released as soon as it cannot be part of a call; text
/// that may start a call marker is held back, so no marker text reaches the content. Each call is reported once it is
/// complete. Whitespace next to a call block is dropped, and content on both sides of a block is joined by one "\n"
/// (the template's own separator between text and calls); an output without calls comes out unchanged.
/// <see cref="Parse"/> is the same run over the whole text, so streamed and whole results are equal.
/// </summary>
internal sealed class ToolCallStreamParser(ToolCallScanner scanner, Func<string>? newId = null)
{
    const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    readonly Func<string> _newId = newId ?? NewCallId;
    string _pending = "";   // not yet consumed by the scanner
    string _heldSpace = ""; // trailing whitespace of the content so far: dropped if a block follows
    bool _afterBlock;       // the last thing consumed was a block: whitespace after it is dropped
    bool _wroteContent;
    bool _finished;
    int _calls;

    /// <summary>The calls reported so far.</summary>
    public int CallCount => _calls;

    /// <summary>OpenAI's form of a call id: "call_" and 24 random letters and digits.</summary>
    public static string NewCallId() => "call_" + RandomNumberGenerator.GetString(IdAlphabet, 24);

    /// <summary>Parses a whole output (new call ids from <paramref name="newId"/>, else random).</summary>
    public static ToolCallOutput Parse(ToolCallFormat format, string text, Func<string>? newId = null)
    {
        var parser = new ToolCallStreamParser(format.NewScanner(), newId);
        var content = new StringBuilder();
        var calls = new List<ToolCall>();
        var events = new List<ToolStreamEvent>(parser.Push(text));
        events.AddRange(parser.Finish());
        foreach (var e in events)
        {
            if (e is ContentDelta c) content.Append(c.Text);
            else if (e is ToolCallDelta t) calls.Add(t.Call);
        }
        return new ToolCallOutput(content.ToString(), calls);
    }

    public IReadOnlyList<ToolStreamEvent> Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_finished) throw new InvalidOperationException("the parser has finished");
        _pending += text;
        return Scan(final: false);
    }

    /// <summary>The end of the output: everything held back is decided.</summary>
    public IReadOnlyList<ToolStreamEvent> Finish()
    {
        if (_finished) throw new InvalidOperationException("the parser has finished");
        var events = Scan(final: true);
        _finished = true;
        if (!_afterBlock && _heldSpace.Length > 0) events.Add(new ContentDelta(_heldSpace));
        _heldSpace = "";
        return events;
    }

    List<ToolStreamEvent> Scan(bool final)
    {
        var events = new List<ToolStreamEvent>();
        while (_pending.Length > 0)
        {
            var step = scanner.Next(_pending, final);
            if (step.Consumed == 0)
            {
                if (final) throw new InvalidOperationException("a tool-call scanner consumed nothing at the end of the output");
                break;
            }
            var consumed = _pending[..step.Consumed];
            _pending = _pending[step.Consumed..];
            if (step.Calls is { } calls) Block(calls, events);
            else Content(consumed, events);
        }
        return events;
    }

    void Block(IReadOnlyList<ParsedCall> calls, List<ToolStreamEvent> events)
    {
        _heldSpace = "";
        _afterBlock = true;
        foreach (var call in calls) events.Add(new ToolCallDelta(_calls++, new ToolCall(_newId(), call.Name, call.Arguments)));
    }

    void Content(string text, List<ToolStreamEvent> events)
    {
        int end = text.Length;
        while (end > 0 && char.IsWhiteSpace(text[end - 1])) end--;
        if (end == 0)
        {
            _heldSpace += text; // may yet turn out to stand before a block
            return;
        }
        int start = 0;
        string lead = _heldSpace;
        if (_afterBlock)
        {
            while (char.IsWhiteSpace(text[start])) start++;
            lead = _wroteContent ? "\n" : "";
            _afterBlock = false;
        }
        events.Add(new ContentDelta(lead + text[start..end]));
        _heldSpace = text[end..];
        _wroteContent = true;
    }
}
