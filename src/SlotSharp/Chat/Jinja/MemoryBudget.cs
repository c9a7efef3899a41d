using System.Text;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// The bytes one render may allocate for values (<see cref="ChatTemplateLimits.MaxAllocatedBytes"/>), counted
/// cumulatively: garbage counts too, so the budget bounds the copying work as well as the peak memory. Callers
/// charge the size of a value BEFORE building it, so an oversized request fails without being attempted.
/// Sizes are estimates of the .NET objects: 2 bytes a char, 16 a list/tuple slot (reference + boxed scalar
/// amortized), 48 a dict entry.
/// </summary>
sealed class MemoryBudget(long maxBytes, int maxStringChars)
{
    public const long BytesPerItem = 16;
    public const long BytesPerEntry = 48;

    long _used;

    public long MaxBytes => maxBytes;

    /// <summary>Charges a new string of <paramref name="chars"/> UTF-16 units; also enforces the longest-string limit.</summary>
    public void Chars(long chars) => Grow(0, chars);

    /// <summary>Charges <paramref name="added"/> chars appended to a string being built that already has <paramref name="current"/>.</summary>
    public void Grow(long current, long added)
    {
        if (added > maxStringChars - current)
            throw new LimitExceededError($"template produced a string longer than {maxStringChars} characters");
        Bytes(2 * added);
    }

    /// <summary>Charges a new list or tuple of <paramref name="count"/> items.</summary>
    public void Items(long count) => Bytes(BytesPerItem * count);

    /// <summary>Charges a new dict of <paramref name="count"/> entries.</summary>
    public void Entries(long count) => Bytes(BytesPerEntry * count);

    public void Bytes(long bytes)
    {
        // Compare before adding: a product near long.MaxValue must not wrap around.
        if (bytes < 0 || bytes > maxBytes - _used)
            throw new LimitExceededError($"template allocated more than {maxBytes} bytes");
        _used += bytes;
    }

    /// <summary>A string builder whose every append is charged first (for results whose size is only known while building).</summary>
    public TextBuilder Text() => new(this);
}

/// <summary>StringBuilder that charges its <see cref="MemoryBudget"/> before each append and for the final string.</summary>
sealed class TextBuilder(MemoryBudget budget)
{
    readonly StringBuilder _sb = new();

    public int Length => _sb.Length;

    public TextBuilder Append(string? s)
    {
        if (string.IsNullOrEmpty(s)) return this;
        budget.Grow(_sb.Length, s.Length);
        _sb.Append(s);
        return this;
    }

    public TextBuilder Append(ReadOnlySpan<char> s)
    {
        budget.Grow(_sb.Length, s.Length);
        _sb.Append(s);
        return this;
    }

    public TextBuilder Append(char c) => Append(new ReadOnlySpan<char>(in c));

    /// <summary>Appends <paramref name="s"/> <paramref name="times"/> times, charged once up front.</summary>
    public TextBuilder Repeat(string s, long times)
    {
        if (times <= 0 || s.Length == 0) return this;
        // A count beyond int range can never fit; saturating keeps the product from wrapping around.
        var total = times > int.MaxValue ? long.MaxValue : s.Length * times;
        budget.Grow(_sb.Length, total);
        if (s.Length == 1) _sb.Append(s[0], (int)times);
        else for (var i = 0L; i < times; i++) _sb.Append(s);
        return this;
    }

    public override string ToString()
    {
        budget.Chars(_sb.Length);
        return _sb.ToString();
    }
}
