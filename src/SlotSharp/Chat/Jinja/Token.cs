namespace SlotSharp.Chat.Jinja;

enum TokenKind { Data, BlockBegin, BlockEnd, VariableBegin, VariableEnd, Name, String, Integer, Float, Operator, Eof }

/// <summary>A lexed token; Line/Column (1-based) point at its first character in the newline-normalized source.</summary>
sealed record Token(TokenKind Kind, string Text, int Line, int Column, object? Value = null)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;
    public bool IsOp(string op) => Kind == TokenKind.Operator && Text == op;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.Data => "template text",
        _ => $"'{Text}'",
    };
}
