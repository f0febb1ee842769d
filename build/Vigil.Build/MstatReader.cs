using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Vigil.Build;

/// <summary>What one entry of the native image is and how many bytes it takes.</summary>
internal sealed record SizeEntry(string Kind, string Assembly, string Namespace, string Name, long Bytes);

/// <summary>
/// Reads the .mstat file the NativeAOT compiler writes with IlcGenerateMstatFile: an ECMA-335
/// assembly whose module type has three methods, Types, Methods and Blobs, whose IL lists the
/// compiled entries as operands (ldtoken of the type or method, then ldc.i4 sizes; ldstr and a
/// size for named blobs). Format version 1 and 2 differ only by trailing name indexes, so the
/// entries are split at each token or string and the leading numbers read.
/// </summary>
internal static class MstatReader
{
    public static IReadOnlyList<SizeEntry> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var module = md.GetTypeDefinition(MetadataTokens.TypeDefinitionHandle(1));
        var entries = new List<SizeEntry>();
        var owners = new OwnerProvider(md);
        foreach (var handle in module.GetMethods())
        {
            var method = md.GetMethodDefinition(handle);
            var kind = md.GetString(method.Name);
            if (kind is not ("Types" or "Methods" or "Blobs"))
            {
                continue;
            }
            var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
            foreach (var (head, numbers) in Entries(md, ref il))
            {
                switch (head)
                {
                    case string blob:
                        entries.Add(new SizeEntry("blob", "(data)", "(data)", blob, numbers[0]));
                        break;
                    case EntityHandle token when kind == "Types":
                        var type = owners.OfType(token);
                        entries.Add(new SizeEntry("type", type.Assembly, type.Namespace, type.Name, numbers[0]));
                        break;
                    case EntityHandle token:
                        // Code, GC info and EH info of the method.
                        var owner = owners.OfMethod(token, out var name);
                        entries.Add(new SizeEntry("method", owner.Assembly, owner.Namespace, $"{owner.Name}.{name}", numbers.Take(3).Sum()));
                        break;
                }
            }
        }
        return entries;
    }

    /// <summary>Splits a method's IL into entries: a token or string followed by its integer operands.</summary>
    private static List<(object Head, List<long> Numbers)> Entries(MetadataReader md, ref BlobReader il)
    {
        var entries = new List<(object Head, List<long> Numbers)>();
        while (il.RemainingBytes > 0)
        {
            var op = il.ReadByte();
            switch (op)
            {
                case 0xD0: // ldtoken
                    entries.Add((MetadataTokens.EntityHandle(il.ReadInt32()), []));
                    break;
                case 0x72: // ldstr
                    entries.Add((md.GetUserString(MetadataTokens.UserStringHandle(il.ReadInt32() & 0xFFFFFF)), []));
                    break;
                case 0x20: // ldc.i4
                    Add(il.ReadInt32());
                    break;
                case 0x21: // ldc.i8
                    Add(il.ReadInt64());
                    break;
                case 0x1F: // ldc.i4.s
                    Add(il.ReadSByte());
                    break;
                case >= 0x15 and <= 0x1E: // ldc.i4.m1 .. ldc.i4.8
                    Add(op - 0x16);
                    break;
                case 0x00 or 0x26 or 0x2A: // nop, pop, ret
                    break;
                default:
                    throw new BuildException($"unexpected IL opcode 0x{op:X2} in the mstat file: a format this reader does not know");
            }
        }
        return entries;

        void Add(long value)
        {
            if (entries.Count > 0)
            {
                entries[^1].Numbers.Add(value);
            }
        }
    }

    private readonly record struct Owner(string Assembly, string Namespace, string Name);

    /// <summary>Resolves type and method tokens of the mstat file to the assembly and namespace that own them.</summary>
    private sealed class OwnerProvider(MetadataReader md) : ISignatureTypeProvider<Owner, object?>
    {
        private static readonly Owner CoreLib = new("System.Private.CoreLib", "System", "(primitive)");
        private static readonly Owner Unknown = new("(generic parameter)", "(generic parameter)", "?");

        public Owner OfType(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeReference => FromReference((TypeReferenceHandle)handle),
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            HandleKind.TypeDefinition => FromDefinition((TypeDefinitionHandle)handle),
            _ => Unknown,
        };

        public Owner OfMethod(EntityHandle handle, out string name)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodSpecification:
                    return OfMethod(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method, out name);
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    name = md.GetString(member.Name);
                    return member.Parent.Kind is HandleKind.TypeReference or HandleKind.TypeSpecification or HandleKind.TypeDefinition
                        ? OfType(member.Parent)
                        : Unknown;
                case HandleKind.MethodDefinition:
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    name = md.GetString(method.Name);
                    return FromDefinition(method.GetDeclaringType());
                default:
                    name = "?";
                    return Unknown;
            }
        }

        private Owner FromReference(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            var name = md.GetString(type.Name);
            switch (type.ResolutionScope.Kind)
            {
                case HandleKind.TypeReference:
                    // A nested type: its namespace and assembly are those of the outermost type.
                    var outer = FromReference((TypeReferenceHandle)type.ResolutionScope);
                    return outer with { Name = $"{outer.Name}+{name}" };
                case HandleKind.AssemblyReference:
                    var assembly = md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name);
                    return new Owner(assembly, Namespace(md.GetString(type.Namespace)), name);
                default:
                    return new Owner("(this image)", Namespace(md.GetString(type.Namespace)), name);
            }
        }

        private Owner FromDefinition(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            return new Owner("(compiler-generated)", Namespace(md.GetString(type.Namespace)), md.GetString(type.Name));
        }

        private static string Namespace(string ns) => ns.Length == 0 ? "(global)" : ns;

        public Owner GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => FromReference(handle);
        public Owner GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => FromDefinition(handle);
        public Owner GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => OfType(handle);
        public Owner GetPrimitiveType(PrimitiveTypeCode typeCode) => CoreLib;
        public Owner GetGenericInstantiation(Owner genericType, ImmutableArray<Owner> typeArguments) => genericType;
        public Owner GetSZArrayType(Owner elementType) => elementType;
        public Owner GetArrayType(Owner elementType, ArrayShape shape) => elementType;
        public Owner GetPointerType(Owner elementType) => elementType;
        public Owner GetByReferenceType(Owner elementType) => elementType;
        public Owner GetPinnedType(Owner elementType) => elementType;
        public Owner GetModifiedType(Owner modifier, Owner unmodifiedType, bool isRequired) => unmodifiedType;
        public Owner GetFunctionPointerType(MethodSignature<Owner> signature) => CoreLib;
        public Owner GetGenericMethodParameter(object? genericContext, int index) => Unknown;
        public Owner GetGenericTypeParameter(object? genericContext, int index) => Unknown;
    }
}
