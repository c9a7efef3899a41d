using System.Numerics;

namespace SlotSharp.Chat.Jinja;

/// <summary>
/// Python ints: a <c>long</c> while the value fits, a <see cref="BigInteger"/> beyond (never a BigInteger that
/// fits in a long, so equality and dictionary behavior stay simple). Sizes are bounded by
/// <see cref="ChatTemplateLimits.MaxIntegerDigits"/>, checked from the operands' bit lengths before computing,
/// and charged to the render's <see cref="MemoryBudget"/>.
/// </summary>
sealed class IntegerBounds(int maxDigits, MemoryBudget budget)
{
    // log2(10) bits per decimal digit, plus one so the estimate never undercounts.
    readonly long _maxBits = (long)Math.Ceiling(maxDigits * Math.Log2(10)) + 1;
    BigInteger? _limit;

    /// <summary>Refuses a computation whose result may need more than <c>bits</c> bits; charges the bytes.</summary>
    public void Reserve(double bits)
    {
        if (bits > _maxBits) throw TooLarge();
        budget.Bytes((long)bits / 8 + 8);
    }

    /// <summary>The exact digit check on a computed result, then the long/BigInteger normal form.</summary>
    public object Result(BigInteger value)
    {
        _limit ??= BigInteger.Pow(10, maxDigits);
        if (BigInteger.Abs(value) >= _limit) throw TooLarge();
        return PyInt.Normalize(value);
    }

    LimitExceededError TooLarge() => new($"integer result would have more than {maxDigits} digits");
}

static class PyInt
{
    public static bool IsInt(object? v) => v is long or BigInteger or bool;

    public static BigInteger ToBig(object? v) => v switch
    {
        long l => l,
        BigInteger b => b,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException(v?.GetType().Name),
    };

    public static object Normalize(BigInteger b) => b >= long.MinValue && b <= long.MaxValue ? (object)(long)b : b;

    public static long BitLength(object? v) => v is BigInteger b ? b.GetBitLength() : 64;

    /// <summary>float(int): Python raises OverflowError where .NET would give infinity.</summary>
    public static double ToDouble(BigInteger b)
    {
        var d = (double)b;
        return double.IsFinite(d) ? d : throw new TemplateRuntimeError("int too large to convert to float");
    }

    /// <summary>An int as a C index: beyond 64 bits it saturates, which every caller treats as out of range.</summary>
    public static long Saturate(BigInteger b) => b.Sign > 0 ? long.MaxValue : long.MinValue;
}
