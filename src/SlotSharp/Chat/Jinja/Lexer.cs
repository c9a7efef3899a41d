using System.Globalization;
using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// Splits template source into tokens exactly as Jinja2's lexer does with trim_blocks=True,
/// lstrip_blocks=True, keep_trailing_newline=False: newlines normalized to \n, one trailing newline dropped,
/// '-' markers strip all adjacent whitespace, '+' markers disable lstrip/trim.
/// </summary>
sealed class Lexer
{
    readonly string _src;
    readonly List<Token> _tokens = new();
    int _pos;
    int _line = 1;
    int _lineStart; // index of the first char of the current line
    bool _lineStarting = true; // Jinja2: did the previous match end with '\n'

    Lexer(string source)
    {
        var s = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (s.EndsWith('\n')) s = s[..^1];
        _src = s;
    }

    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    void Run()
    {
        while (_pos < _src.Length)
        {
            var tagStart = FindTagStart(_pos);
            if (tagStart < 0)
            {
                EmitData(_src[_pos..], _pos);
                Advance(_src.Length);
                break;
            }
            var kind = _src[tagStart + 1];
            var signIndex = tagStart + 2;
            var sign = signIndex < _src.Length && _src[signIndex] is '-' or '+' ? _src[signIndex] : '\0';
            var text = _src[_pos..tagStart];
            if (sign == '-') text = PyText.RStripSpace(text);
            else if (sign != '+' && kind != '{')
            {
                // lstrip_blocks: drop spaces/tabs between the line start and a block or comment tag.
                var lineBegin = text.LastIndexOf('\n') + 1;
                if ((lineBegin > 0 || _lineStarting) && lineBegin < text.Length && AllSpace(text, lineBegin))
                    text = text[..lineBegin];
            }
            EmitData(text, _pos);
            Advance(tagStart);
            var afterOpen = tagStart + 2 + (sign == '\0' ? 0 : 1);
            switch (kind)
            {
                case '#': LexComment(afterOpen); break;
                case '%':
                    if (!TryLexRaw(afterOpen)) LexTag(afterOpen, block: true);
                    break;
                default: LexTag(afterOpen, block: false); break;
            }
        }
        _tokens.Add(new Token(TokenKind.Eof, "", _line, _pos - _lineStart + 1));
    }

    int FindTagStart(int from)
    {
        for (var i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    static bool AllSpace(string s, int from)
    {
        for (var i = from; i < s.Length; i++) if (!PyText.IsSpace(s[i])) return false;
        return true;
    }

    void EmitData(string text, int at)
    {
        if (text.Length > 0) _tokens.Add(new Token(TokenKind.Data, text, _line, at - _lineStart + 1));
    }

    /// <summary>Moves the cursor to <paramref name="to"/>, keeping line/column bookkeeping.</summary>
    void Advance(int to)
    {
        for (var i = _pos; i < to; i++)
            if (_src[i] == '\n') { _line++; _lineStart = i + 1; }
        _pos = to;
    }

    TemplateSyntaxError Error(string message, int at)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < at && i < _src.Length; i++)
            if (_src[i] == '\n') { line++; lineStart = i + 1; }
        return new TemplateSyntaxError(message, line, at - lineStart + 1);
    }

    /// <summary>Consumes a tag's closing marker and the whitespace it swallows; returns the index after it.</summary>
    int EndOfCloser(int closerStart, int closerLength, char sign, bool trimNewline)
    {
        var end = closerStart + closerLength;
        if (sign == '-') while (end < _src.Length && PyText.IsSpace(_src[end])) end++;
        else if (sign != '+' && trimNewline && end < _src.Length && _src[end] == '\n') end++;
        return end;
    }

    void LexComment(int from)
    {
        var close = _src.IndexOf("#}", from, StringComparison.Ordinal);
        if (close < 0) throw Error("missing end of comment tag", _pos);
        var sign = close > from && _src[close - 1] is '-' or '+' ? _src[close - 1] : '\0';
        var end = EndOfCloser(close, 2, sign, trimNewline: true);
        _lineStarting = _src[end - 1] == '\n';
        Advance(end);
    }

    /// <summary>{% raw %}...{% endraw %}: the body is emitted verbatim.</summary>
    bool TryLexRaw(int from)
    {
        var i = SkipSpace(from);
        if (!MatchWord(i, "raw")) return false;
        i = SkipSpace(i + 3);
        int bodyStart;
        if (At(i, "-%}")) bodyStart = EndOfCloser(i + 1, 2, '-', false);
        else if (At(i, "%}")) bodyStart = i + 2;
        else return false;
        var search = bodyStart;
        while (true)
        {
            var open = _src.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw Error("missing end of raw directive", _pos);
            var sign = open + 2 < _src.Length && _src[open + 2] is '-' or '+' ? _src[open + 2] : '\0';
            var j = SkipSpace(open + 2 + (sign == '\0' ? 0 : 1));
            if (MatchWord(j, "endraw"))
            {
                j = SkipSpace(j + 6);
                var closeSign = At(j, "-%}") ? '-' : At(j, "+%}") ? '+' : '\0';
                var closerStart = closeSign == '\0' ? j : j + 1;
                if (At(closerStart, "%}"))
                {
                    var body = _src[bodyStart..open];
                    if (sign == '-') body = PyText.RStripSpace(body);
                    EmitData(body, bodyStart);
                    var end = EndOfCloser(closerStart, 2, closeSign, trimNewline: true);
                    _lineStarting = _src[end - 1] == '\n';
                    Advance(end);
                    return true;
                }
            }
            search = open + 2;
        }
    }

    bool At(int i, string s) => i + s.Length <= _src.Length && string.CompareOrdinal(_src, i, s, 0, s.Length) == 0;

    bool MatchWord(int i, string word) =>
        At(i, word) && (i + word.Length >= _src.Length || !IsNameChar(_src[i + word.Length]));

    int SkipSpace(int i)
    {
        while (i < _src.Length && PyText.IsSpace(_src[i])) i++;
        return i;
    }

    static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';
    static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}",
         ",", ".", ":", "|", ";"];

    void LexTag(int from, bool block)
    {
        _tokens.Add(new Token(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, block ? "{%" : "{{", _line,
            _pos - _lineStart + 1));
        Advance(from);
        var brackets = new Stack<char>();
        var closer = block ? "%}" : "}}";
        while (true)
        {
            Advance(SkipSpace(_pos));
            if (_pos >= _src.Length)
                throw Error(block ? "unexpected end of template, expected end of statement block '%}'"
                    : "unexpected end of template, expected end of print statement '}}'", _pos);
            var col = _pos - _lineStart + 1;
            if (brackets.Count == 0)
            {
                var sign = _src[_pos] is '-' or '+' && At(_pos + 1, closer) ? _src[_pos] : '\0';
                if (sign != '\0' || At(_pos, closer))
                {
                    var closerStart = sign == '\0' ? _pos : _pos + 1;
                    var end = EndOfCloser(closerStart, 2, block ? sign : sign == '+' ? '\0' : sign, trimNewline: block);
                    _tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, closer, _line, col));
                    _lineStarting = _src[end - 1] == '\n';
                    Advance(end);
                    return;
                }
            }
            var c = _src[_pos];
            if (IsNameStart(c))
            {
                var e = _pos;
                while (e < _src.Length && IsNameChar(_src[e])) e++;
                _tokens.Add(new Token(TokenKind.Name, _src[_pos..e], _line, col));
                Advance(e);
            }
            else if (char.IsAsciiDigit(c)) LexNumber(col);
            else if (c is '\'' or '"') LexString(col);
            else
            {
                var op = Operators.FirstOrDefault(o => At(_pos, o))
                    ?? throw Error($"unexpected character '{c}'", _pos);
                if (op is "(" or "[" or "{") brackets.Push(op[0]);
                else if (op is ")" or "]" or "}")
                {
                    var expected = op switch { ")" => '(', "]" => '[', _ => '{' };
                    if (brackets.Count == 0 || brackets.Pop() != expected) throw Error($"unexpected '{op}'", _pos);
                }
                _tokens.Add(new Token(TokenKind.Operator, op, _line, col));
                Advance(_pos + op.Length);
            }
        }
    }

    void LexNumber(int col)
    {
        var start = _pos;
        var i = _pos;
        while (i < _src.Length && (char.IsAsciiDigit(_src[i]) || _src[i] == '_')) i++;
        var isFloat = false;
        if (i + 1 < _src.Length && _src[i] == '.' && char.IsAsciiDigit(_src[i + 1]))
        {
            isFloat = true;
            i++;
            while (i < _src.Length && (char.IsAsciiDigit(_src[i]) || _src[i] == '_')) i++;
        }
        if (i < _src.Length && _src[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < _src.Length && _src[j] is '+' or '-') j++;
            if (j < _src.Length && char.IsAsciiDigit(_src[j]))
            {
                isFloat = true;
                i = j;
                while (i < _src.Length && char.IsAsciiDigit(_src[i])) i++;
            }
        }
        var text = _src[start..i];
        var clean = text.Replace("_", "");
        if (isFloat)
        {
            var value = double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture);
            _tokens.Add(new Token(TokenKind.Float, text, _line, col, value));
        }
        else
        {
            // Python ints have no fixed width; beyond a long the literal is a BigInteger (the digit limit applies
            // to results, and a literal is bounded by the template's own size).
            object value = long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var small) ? (object)small
                : System.Numerics.BigInteger.Parse(clean, NumberStyles.None, CultureInfo.InvariantCulture);
            _tokens.Add(new Token(TokenKind.Integer, text, _line, col, value));
        }
        Advance(i);
    }

    /// <summary>String literal with Python unicode-escape semantics (unknown escapes keep the backslash).</summary>
    void LexString(int col)
    {
        var start = _pos;
        var quote = _src[_pos];
        var sb = new StringBuilder();
        var i = _pos + 1;
        while (true)
        {
            if (i >= _src.Length) throw Error("unterminated string literal", start);
            var c = _src[i];
            if (c == quote) { i++; break; }
            if (c != '\\') { sb.Append(c); i++; continue; }
            if (i + 1 >= _src.Length) throw Error("unterminated string literal", start);
            var e = _src[i + 1];
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': sb.Append(HexEscape(ref i, 2, start)); break;
                case 'u': sb.Append(HexEscape(ref i, 4, start)); break;
                case 'U': sb.Append(HexEscape(ref i, 8, start)); break;
                case >= '0' and <= '7':
                {
                    var value = e - '0';
                    for (var k = 0; k < 2 && i < _src.Length && _src[i] is >= '0' and <= '7'; k++, i++)
                        value = value * 8 + (_src[i] - '0');
                    sb.Append((char)value);
                    break;
                }
                default: sb.Append('\\').Append(e); break;
            }
        }
        _tokens.Add(new Token(TokenKind.String, _src[start..i], _line, col, sb.ToString()));
        Advance(i);
    }

    string HexEscape(ref int i, int digits, int literalStart)
    {
        if (i + digits > _src.Length ||
            !int.TryParse(_src.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cp)
            || cp > 0x10FFFF)
            throw Error("invalid escape in string literal", literalStart);
        i += digits;
        return cp is >= 0xD800 and <= 0xDFFF ? ((char)cp).ToString() : char.ConvertFromUtf32(cp);
    }
}
