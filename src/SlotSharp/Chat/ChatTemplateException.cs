namespace SlotSharp.Chat;

/// <summary>What went wrong in a chat template; lets callers tell a bad template from a rejected conversation.</summary>
public enum ChatTemplateErrorKind
{
    /// <summary>The template text is not valid Jinja.</summary>
    Syntax,
    /// <summary>Valid Jinja, but a construct outside the supported subset (e.g. 'extends').</summary>
    Unsupported,
    /// <summary>The template called raise_exception(...): it rejects this conversation.</summary>
    RaisedByTemplate,
    /// <summary>An error while rendering (undefined value used, type error, ...).</summary>
    Runtime,
    /// <summary>A sandbox limit (output size, loop iterations, call depth, steps) was exceeded.</summary>
    LimitExceeded,
}

/// <summary>
/// A chat-template error. <see cref="Line"/>/<see cref="Column"/> (1-based) point into the template source
/// when known. For <see cref="ChatTemplateErrorKind.RaisedByTemplate"/>, <see cref="TemplateMessage"/>
/// holds the template's own message verbatim.
/// </summary>
public sealed class ChatTemplateException : SlotSharpException
{
    public ChatTemplateErrorKind Kind { get; }
    public int? Line { get; }
    public int? Column { get; }
    public string? TemplateMessage { get; }

    public ChatTemplateException(ChatTemplateErrorKind kind, string message, int? line = null, int? column = null,
        string? templateMessage = null)
        : base(Format(message, line, column))
    {
        Kind = kind;
        Line = line;
        Column = column;
        TemplateMessage = templateMessage;
    }

    static string Format(string message, int? line, int? column) =>
        line is null ? message : $"{message} at line {line}, column {column}";
}
