"""
Facts about the demo city, Medellín (Antioquia), used to make the synthetic utility realistic.

Neighbourhoods are grouped by the stratum (estrato) most of their homes have; centres and
altitudes are approximate. The residential stratum mix is close to Medellín's published
subscriber distribution (most homes in estratos 2 and 3, few in 5 and 6).
"""

from __future__ import annotations

CITY = "Medellín"
DEPARTMENT = "Antioquia"
COUNTRY = "CO"

# share of residential premises per stratum 1..6
STRATUM_SHARES = (0.12, 0.31, 0.29, 0.12, 0.09, 0.07)

# use class shares of all premises
USE_SHARES = {
    "RESIDENTIAL": 0.895,
    "COMMERCIAL": 0.085,
    "INDUSTRIAL": 0.012,
    "OFFICIAL": 0.008,
}

# (neighbourhood, latitude, longitude, altitude in metres) by stratum
NEIGHBOURHOODS: dict[int, tuple[tuple[str, float, float, int], ...]] = {
    1: (
        ("Santo Domingo Savio", 6.2937, -75.5424, 1850),
        ("Popular", 6.2980, -75.5480, 1780),
        ("La Cruz", 6.2695, -75.5310, 1900),
        ("Carpinelo", 6.2905, -75.5365, 1880),
        ("Granizal", 6.2950, -75.5450, 1800),
    ),
    2: (
        ("Manrique", 6.2740, -75.5480, 1650),
        ("Aranjuez", 6.2820, -75.5560, 1560),
        ("Castilla", 6.2930, -75.5720, 1500),
        ("Doce de Octubre", 6.3040, -75.5830, 1620),
        ("Villa Hermosa", 6.2560, -75.5470, 1640),
        ("San Javier", 6.2560, -75.6120, 1650),
    ),
    3: (
        ("Belén", 6.2320, -75.6000, 1530),
        ("Robledo", 6.2780, -75.5950, 1580),
        ("Buenos Aires", 6.2390, -75.5540, 1560),
        ("La América", 6.2530, -75.6030, 1540),
        ("Boston", 6.2480, -75.5560, 1520),
        ("Prado", 6.2600, -75.5600, 1510),
    ),
    4: (
        ("Laureles", 6.2450, -75.5900, 1500),
        ("Estadio", 6.2550, -75.5890, 1495),
        ("Conquistadores", 6.2480, -75.5830, 1490),
        ("Calasanz", 6.2600, -75.6030, 1520),
        ("La Floresta", 6.2560, -75.6000, 1510),
    ),
    5: (
        ("Los Colores", 6.2630, -75.5960, 1530),
        ("Loma de los Bernal", 6.2200, -75.6050, 1620),
        ("Simón Bolívar", 6.2420, -75.6050, 1540),
        ("Castropol", 6.2150, -75.5680, 1560),
    ),
    6: (
        ("El Poblado", 6.2090, -75.5670, 1540),
        ("Los Balsos", 6.1950, -75.5590, 1650),
        ("San Lucas", 6.1880, -75.5560, 1700),
        ("El Tesoro", 6.1990, -75.5520, 1720),
        ("Las Lomas", 6.1920, -75.5630, 1620),
    ),
}

# neighbourhoods for shops, factories and public offices
NON_RESIDENTIAL: dict[str, tuple[tuple[str, float, float, int], ...]] = {
    "COMMERCIAL": (
        ("La Candelaria", 6.2480, -75.5680, 1490),
        ("El Poblado", 6.2090, -75.5670, 1540),
        ("Laureles", 6.2450, -75.5900, 1500),
        ("Belén", 6.2320, -75.6000, 1530),
        ("Aranjuez", 6.2820, -75.5560, 1560),
    ),
    "INDUSTRIAL": (
        ("Guayabal", 6.2150, -75.5850, 1500),
        ("Barrio Colombia", 6.2200, -75.5730, 1490),
        ("Caribe", 6.2780, -75.5720, 1480),
    ),
    "OFFICIAL": (
        ("La Alpujarra", 6.2440, -75.5740, 1490),
        ("Boston", 6.2480, -75.5560, 1520),
    ),
}

# fmt: off
STREET_TYPES = ("Calle", "Carrera", "Diagonal", "Transversal", "Circular")
STREET_TYPE_SHARES = (0.42, 0.42, 0.07, 0.06, 0.03)
STREET_SUFFIXES = ("", "", "", "", "A", "B", "AA", "C", " Sur")
UNIT_KINDS = ("", "", "Apto ", "Int ", "Casa ", "Local ")

GIVEN_NAMES = (
    "María", "José", "Luis", "Ana", "Carlos", "Luz", "Juan", "Diana", "Andrés", "Sandra",
    "Jorge", "Claudia", "Camilo", "Paola", "Alejandro", "Gloria", "Santiago", "Martha",
    "Sebastián", "Natalia", "Mateo", "Valentina", "Daniel", "Laura", "Felipe", "Catalina",
    "Julián", "Marcela", "Óscar", "Ángela", "Hernán", "Beatriz", "Diego", "Adriana",
    "Mauricio", "Liliana", "Jhon", "Yolanda", "Esteban", "Isabel", "Fernando", "Sofía",
    "Wilson", "Mónica", "Alberto", "Carolina", "Gustavo", "Lucía", "Iván", "Rosa",
)
SECOND_NAMES = (
    "", "", "", "Antonio", "Fernanda", "Dary", "Alberto", "Eugenia", "David", "Cristina",
    "Esteban", "Patricia", "Mario", "Elena", "Andrés", "Alejandra", "Camilo", "Inés",
)
SURNAMES = (
    "Gómez", "Rodríguez", "López", "Martínez", "García", "Hernández", "Restrepo", "Álvarez",
    "Ramírez", "Zapata", "Jaramillo", "Vélez", "Muñoz", "Sánchez", "Torres", "Ospina",
    "Giraldo", "Castaño", "Ríos", "Cardona", "Arango", "Mejía", "Londoño", "Montoya",
    "Correa", "Osorio", "Henao", "Agudelo", "Quintero", "Valencia", "Pérez", "Morales",
    "Vargas", "Rojas", "Díaz", "Moreno", "Gutiérrez", "Castro", "Salazar", "Úsuga",
)
BUSINESS_KINDS = (
    "Panadería", "Ferretería", "Droguería", "Tienda", "Restaurante", "Papelería",
    "Peluquería", "Supermercado", "Taller", "Cafetería", "Confecciones", "Distribuidora",
)
INDUSTRY_KINDS = (
    "Textiles", "Plásticos", "Metalmecánica", "Alimentos", "Curtiembres", "Empaques",
    "Químicos", "Muebles",
)
BUSINESS_NAMES = (
    "La Esperanza", "El Progreso", "San José", "La 70", "El Poblado", "Don Pedro",
    "La Primavera", "Santa Fe", "El Cafetal", "Los Andes", "Paisa", "La Montaña",
)
OFFICIAL_NAMES = (
    "Institución Educativa", "Centro de Salud", "Inspección de Policía", "Biblioteca Pública",
    "Unidad Deportiva", "Casa de la Cultura",
)
COMPANY_SUFFIXES = ("S.A.S.", "Ltda.", "S.A.", "S.A.S.")
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "une.net.co")
# fmt: on
