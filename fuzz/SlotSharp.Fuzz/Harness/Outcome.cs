namespace SlotSharp.Fuzz.Harness;

/// <summary>How one input ended. Only <see cref="Ok"/> and <see cref="CleanError"/> are acceptable.</summary>
public enum OutcomeKind
{
    /// <summary>The input parsed (and, where the format has one, the follow-up use worked).</summary>
    Ok,
    /// <summary>A user error by the CLI's rule (CliErrors.IsUserError) or a format's documented error type.</summary>
    CleanError,
    /// <summary>Any other exception: the CLI would print a stack trace, the server would answer 500.</summary>
    Crash,
    /// <summary>Still running at the per-input deadline.</summary>
    Hang,
    /// <summary>Allocated more than the per-input limit (or ran out of memory).</summary>
    OverMemory,
}

/// <summary>The result of running one input: its kind, the exception (if any), time and bytes allocated.</summary>
public sealed record Outcome(OutcomeKind Kind, Exception? Error, TimeSpan Elapsed, long AllocatedBytes)
{
    /// <summary>
    /// Groups failures that share a cause: the kind, the exception type and the innermost SlotSharp method on the
    /// stack (the code that let the exception through), e.g. "Crash DivideByZeroException at ModelConfig.Parse".
    /// </summary>
    public string Signature => Kind switch
    {
        OutcomeKind.Hang or OutcomeKind.OverMemory when Error is null => Kind.ToString(),
        _ => $"{Kind} {Error?.GetType().Name} at {ProjectFrame(Error)}",
    };

    static string ProjectFrame(Exception? e)
    {
        if (e is null) return "?";
        var frames = new System.Diagnostics.StackTrace(e, false).GetFrames();
        foreach (var frame in frames)
        {
            var type = frame.GetMethod()?.DeclaringType;
            if (type?.Namespace is { } ns && ns.StartsWith("SlotSharp", StringComparison.Ordinal) && !ns.StartsWith("SlotSharp.Fuzz", StringComparison.Ordinal))
                return $"{OuterName(type)}.{AuthoredName(frame.GetMethod()!.Name)}";
        }
        return frames.Length > 0 && frames[0].GetMethod() is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "?";
    }

    // A lambda inside Foo compiles to a method named "<Foo>b__9_1": report Foo.
    static string AuthoredName(string method) =>
        method.StartsWith('<') && method.IndexOf('>') is > 1 and var end ? method[1..end] : method;

    // Lambdas and iterators live in compiler-generated nested types ("<>c"); name the type the author wrote.
    static string OuterName(Type type)
    {
        while (type.DeclaringType != null && type.Name.Contains('<')) type = type.DeclaringType;
        return type.Name;
    }
}
