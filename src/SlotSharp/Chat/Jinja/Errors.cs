namespace SlotSharp.Chat.Jinja;

/// <summary>Invalid or unsupported template text; carries the position of the offending token.</summary>
sealed class TemplateSyntaxError(string message, int line, int column, bool unsupported = false) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
    public bool Unsupported { get; } = unsupported;

    public ChatTemplateException ToPublic() => new(
        Unsupported ? ChatTemplateErrorKind.Unsupported : ChatTemplateErrorKind.Syntax, Message, Line, Column);
}

/// <summary>A Python/Jinja runtime error (TypeError, UndefinedError, ...); the interpreter adds the position.</summary>
class TemplateRuntimeError(string message) : Exception(message);

/// <summary>Jinja2's UndefinedError: an undefined value was used in a way that needs a real value.</summary>
sealed class UndefinedError(string message) : TemplateRuntimeError(message);

/// <summary>A sandbox limit was hit.</summary>
sealed class LimitExceededError(string message) : Exception(message);
