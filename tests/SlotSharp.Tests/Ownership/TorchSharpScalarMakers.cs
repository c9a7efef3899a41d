using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace SlotSharp.Tests.Ownership;

/// <summary>
/// The TorchSharp methods that make a Scalar inside themselves, read from the IL of the TorchSharp.dll the tests run
/// against: a method that calls Scalar's implicit conversions or ToScalar(), or (transitively) calls such a method.
/// Tensor.add(x) (add(x, 1)), Tensor.square() (pow(2)), the + operator and arange(start, stop) are among them.
/// The result may include methods that hold their Scalar properly; the library avoids those too.
/// </summary>
public static class TorchSharpScalarMakers
{
    static readonly Lazy<HashSet<int>> Tokens = new(Scan);

    /// <summary>Whether the method with this metadata token (a MethodDef of TorchSharp.dll) makes a Scalar inside.</summary>
    public static bool Contains(int methodDefToken) => Tokens.Value.Contains(methodDefToken);

    static HashSet<int> Scan()
    {
        using var pe = new PEReader(File.OpenRead(typeof(TorchSharp.torch).Assembly.Location));
        var md = pe.GetMetadataReader();
        var callers = new Dictionary<int, List<int>>(); // callee -> callers (MethodDefs only)
        var seeds = new HashSet<int>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            string typeName = md.GetString(type.Name);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                int token = MetadataTokens.GetToken(methodHandle);
                string name = md.GetString(method.Name);
                if ((typeName == "Scalar" && name == "op_Implicit") || (typeName == "ScalarExtensionMethods" && name == "ToScalar")) seeds.Add(token);
                if (method.RelativeVirtualAddress == 0) continue;
                foreach (int callee in Callees(pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader()))
                {
                    if (!callers.TryGetValue(callee, out var list)) callers[callee] = list = [];
                    list.Add(token);
                }
            }
        }
        var marked = new HashSet<int>();
        var work = new Queue<int>(seeds);
        while (work.Count > 0)
            foreach (var caller in callers.GetValueOrDefault(work.Dequeue()) ?? [])
                if (marked.Add(caller)) work.Enqueue(caller);
        return marked;
    }

    /// <summary>MethodDef tokens named by call, callvirt, newobj, ldftn and ldvirtftn.</summary>
    static IEnumerable<int> Callees(BlobReader il)
    {
        var found = new List<int>();
        while (il.RemainingBytes > 0)
        {
            int op = il.ReadByte();
            if (op == 0xFE) op = 0xFE00 | il.ReadByte();
            if (op is 0x28 or 0x6F or 0x73 or 0xFE06 or 0xFE07)
            {
                int token = il.ReadInt32();
                if ((token >> 24) == 0x06) found.Add(token);
                continue;
            }
            if (op == 0x45) { int n = il.ReadInt32(); il.Offset += 4 * n; continue; } // switch
            il.Offset += OperandSize(op);
        }
        return found;
    }

    /// <summary>ECMA-335 operand sizes of every opcode other than the calls and switch.</summary>
    static int OperandSize(int op) => op switch
    {
        >= 0x0E and <= 0x13 or 0x1F or >= 0x2B and <= 0x37 or 0xDE or 0xFE12 or 0xFE19 => 1,
        >= 0xFE09 and <= 0xFE0E => 2,
        0x20 or 0x22 or 0x27 or 0x29 or >= 0x38 and <= 0x44 or >= 0x70 and <= 0x75 or 0x79 or >= 0x7B and <= 0x81
            or 0x8C or 0x8D or 0x8F or 0xA3 or 0xA4 or 0xA5 or 0xC2 or 0xC6 or 0xD0 or 0xDD or 0xFE15 or 0xFE16 or 0xFE1C => 4,
        0x21 or 0x23 => 8,
        _ => 0,
    };
}
