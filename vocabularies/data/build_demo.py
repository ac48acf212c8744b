"""Write estran-demo.ttl, the demo vocabulary set that `make run` loads, from the real SKOS exports in
../shared/vocabularies (see that folder's README) plus French labels written here.

    .venv/bin/python vocabularies/data/build_demo.py [--shared ../shared/vocabularies]

The generated file is committed, so `make run` never needs ../shared. Every concept keeps its real
URI, English labels, notation and (short) definition from the upstream file; French labels come from
upstream where it has them (ISO topic categories, INSPIRE themes) and from the tables below
otherwise, and a few English alternative labels are added to GCMD's upper-case platform categories
("Research vessels" for SHIPS). Six thesauri, one per keyword picker of the deposit wizard:

| slug | picker | upstream | concepts |
| --- | --- | --- | --- |
| nvs-p02 | parameters | NVS P02 (SeaDataNet parameter discovery vocabulary) | subset |
| nvs-l05 | instruments | NVS L05 (SeaDataNet device categories) | subset |
| gcmd-platforms | platforms | GCMD Platforms 9.1.5 (2020) | subset |
| nvs-c19 | places | NVS C19 (SeaVoX water body gazetteer) | subset |
| iso19115-topic-categories | topics | ISO 19115 topic categories (INSPIRE code list) | all 19 |
| inspire-themes | themes | INSPIRE spatial data themes (GEMET) | all 34 |

NVS L06 (platform classes) has no SKOS export in ../shared, so platforms come from GCMD.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, SKOS

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "estran-demo.ttl"
NVS = "http://vocab.nerc.ac.uk/collection/{}/current/"
GCMD_CONCEPT = "https://gcmd.earthdata.nasa.gov/kms/concept/"
GCMD_PLATFORMS = "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/platforms"
DEFINITION_MAX = 300

# NVS P02 parameters: notation code -> (French preferred label, French alternative labels).
P02 = {
    "TEMP": ("Température de la colonne d'eau", ["Température de l'eau de mer"]),
    "PSAL": ("Salinité de la colonne d'eau", ["Salinité de l'eau de mer"]),
    "CNDC": ("Conductivité électrique de la colonne d'eau", []),
    "SIGT": ("Masse volumique de la colonne d'eau", ["Densité de l'eau de mer"]),
    "PSST": ("Température de peau de la surface de l'eau", []),
    "PTDZ": ("Variation de température dans la colonne d'eau", []),
    "DOXY": ("Oxygène dissous dans la colonne d'eau", []),
    "NTRA": ("Concentration en nitrate dans la colonne d'eau", []),
    "NTRI": ("Concentration en nitrite dans la colonne d'eau", []),
    "PHOS": ("Concentration en phosphate dans la colonne d'eau", []),
    "SLCA": ("Concentration en silicate dans la colonne d'eau", []),
    "AMON": ("Concentration en ammonium et en ammoniac dans les masses d'eau", []),
    "UREA": ("Concentration en urée dans la colonne d'eau", []),
    "TDIN": ("Concentration en azote inorganique dissous dans la colonne d'eau", []),
    "TDNT": ("Concentrations en azote total et organique dissous dans la colonne d'eau", []),
    "TDPX": ("Concentration en phosphore total ou organique dissous dans la colonne d'eau", []),
    "ALKY": ("Alcalinité, acidité et pH de la colonne d'eau", []),
    "PCO2": ("Pression partielle (pCO2) et fugacité (fCO2) du dioxyde de carbone dans la colonne d'eau", []),
    "TCO2": ("Concentration en carbone inorganique dissous total (TCO2) dans la colonne d'eau", []),
    "DOCC": ("Concentration en carbone organique dissous dans la colonne d'eau", ["COD"]),
    "CORG": ("Concentrations en carbone particulaire total et organique dans la colonne d'eau", ["COP"]),
    "NTOT": ("Concentrations en azote particulaire total et organique dans la colonne d'eau", []),
    "TPHS": ("Concentrations en phosphore particulaire total et organique dans la colonne d'eau", []),
    "CING": ("Concentrations en carbone inorganique particulaire dans la colonne d'eau", []),
    "TSED": ("Concentration en matières en suspension dans la colonne d'eau", ["MES"]),
    "CPWC": ("Concentrations en pigments chlorophylliens dans les masses d'eau", ["Chlorophylle"]),
    "PHWC": ("Concentrations en phéopigments dans la colonne d'eau", []),
    "CARO": ("Concentrations en pigments caroténoïdes et flavonoïdes dans les masses d'eau", []),
    "PPRD": ("Production primaire dans la colonne d'eau", []),
    "NTUP": ("Production nouvelle dans les masses d'eau", []),
    "AMUP": ("Production régénérée dans les masses d'eau", []),
    "GOXP": ("Production et respiration d'oxygène dans la colonne d'eau", []),
    "ATTN": ("Transmittance et atténuation de la colonne d'eau", []),
    "EXCO": ("Coefficients d'extinction et de diffusion de la lumière", []),
    "PPAB": ("Absorption de la lumière dans la colonne d'eau", []),
    "VSRW": ("Luminance et éclairement énergétiques dans le visible dans la colonne d'eau", []),
    "R410": ("Couleur de l'océan et rayonnement spectral visible émergent", []),
    "SECC": ("Profondeur du disque de Secchi", []),
    "OPBS": ("Rétrodiffusion optique", []),
    "ASAM": ("Rétrodiffusion acoustique dans la colonne d'eau", []),
    "NOYS": ("Bruit acoustique dans la colonne d'eau", []),
    "SVEL": ("Célérité du son et temps de trajet dans la colonne d'eau", ["Vitesse du son"]),
    "RFVL": ("Vitesse horizontale de la colonne d'eau (courants)", ["Courants"]),
    "LRZA": ("Vitesse verticale de la colonne d'eau (courants)", []),
    "LGCR": ("Courants lagrangiens et taux de transport dans la colonne d'eau", []),
    "VDFC": ("Transport dans la colonne d'eau", []),
    "EPSI": ("Turbulence dans la colonne d'eau", []),
    "MXLM": ("Structure et stabilité de la colonne d'eau", ["Couche de mélange"]),
    "ASLV": ("Niveau de la mer", ["Niveau marin"]),
    "WVST": ("Statistiques de hauteur et de période des vagues", ["Houle"]),
    "HEAV": ("Estimations de la hauteur des vagues", []),
    "GWDR": ("Direction des vagues", []),
    "WVSP": ("Paramètres spectraux des vagues", []),
    "KRTS": ("Autres statistiques de vagues", []),
    "EWSB": ("Force et direction du vent", []),
    "WSTR": ("Tension et cisaillement du vent", []),
    "CAPH": ("Pression atmosphérique", []),
    "CDTA": ("Température de l'air", []),
    "CHUM": ("Humidité atmosphérique", []),
    "CPRP": ("Précipitations et évaporation", []),
    "CSLR": ("Rayonnement solaire", []),
    "LWRD": ("Rayonnement de grande longueur d'onde", []),
    "UVRD": ("Rayonnement ultraviolet (UV)", []),
    "HFLX": ("Flux de chaleur entre la colonne d'eau et l'atmosphère", []),
    "FDMS": ("Flux de gaz entre la colonne d'eau et l'atmosphère", []),
    "CHEX": ("Hauteur et étendue de la couverture nuageuse", []),
    "ICEM": ("Mouvement de la glace et paramètres associés", []),
    "CRYS": ("Masse, épaisseur et étendue de la neige et de la glace", []),
    "IPHY": ("Propriétés physiques et caractéristiques de la neige et de la glace", []),
    "MBAN": ("Bathymétrie et altitude", []),
    "SBGE": ("Géomorphologie des fonds marins", []),
    "COGE": ("Géomorphologie côtière", []),
    "MNGS": ("Granulométrie des sédiments", []),
    "WCWT": ("Teneur en eau, porosité et surface spécifique des sédiments", []),
    "SAGE": ("Âge des sédiments", []),
    "RACC": ("Taux d'accumulation sédimentaire", []),
    "STOM": ("Concentration en matière organique dans les sédiments", []),
    "CBSD": ("Concentrations en carbone dans les sédiments", []),
    "MTSD": ("Concentrations en métaux dans les sédiments", []),
    "MTWD": ("Concentrations en métaux dissous dans la colonne d'eau", []),
    "MTWP": ("Concentrations en métaux particulaires dans la colonne d'eau", []),
    "BCMT": ("Concentrations en métaux dans le biote", []),
    "PCHW": ("Concentration en hydrocarbures aromatiques polycycliques (HAP) dans la colonne d'eau", []),
    "SCAH": ("Concentration en hydrocarbures aromatiques polycycliques (HAP) dans les échantillons de sédiments", []),
    "SPCB": ("Concentration en polychlorobiphényles (PCB) dans les échantillons de sédiments", []),
    "BCPB": ("Concentration en polychlorobiphényles (PCB) dans le biote", []),
    "PEWB": ("Concentrations en pesticides dans les masses d'eau", []),
    "UMLW": ("Microdéchets dans les masses d'eau", ["Microplastiques"]),
    "UMLS": ("Microdéchets dans les sédiments", []),
    "BLIT": ("Abondance des déchets sur les plages", []),
    "SLIT": ("Abondance des déchets sur les fonds marins", []),
    "WRAD": ("Radioactivité dans les masses d'eau", []),
    "WSTB": ("Isotopes stables dans les masses d'eau", []),
    "HEXC": ("Concentrations en gaz nobles dissous dans la colonne d'eau", []),
    "FR11": ("Concentrations en chlorofluorocarbures (CFC) dans la colonne d'eau", []),
    "WCTR": ("Traceurs introduits dans les masses d'eau", []),
    "PNTX": ("Abondance générique du phytoplancton dans les masses d'eau", []),
    "PATX": ("Abondance taxonomique du phytoplancton dans les masses d'eau", []),
    "CNTX": ("Biomasse générique du phytoplancton dans les masses d'eau", []),
    "CATX": ("Biomasse taxonomique du phytoplancton dans les masses d'eau", []),
    "PHYG": ("Croissance du phytoplancton", []),
    "ZATX": ("Abondance du zooplancton par taxon et par unité de volume de la colonne d'eau", []),
    "MSBD": ("Biomasse du zooplancton en poids sec par unité de volume de la colonne d'eau", []),
    "GP079": ("Biomasse du zooplancton en poids humide", []),
    "GRZO": ("Taux de croissance du zooplancton", []),
    "FCRT": ("Alimentation du zooplancton", []),
    "MZCT": ("Broutage par le microzooplancton", []),
    "BNTX": ("Abondance générique des bactéries dans les masses d'eau", []),
    "UPTH": ("Production bactérienne dans la colonne d'eau", []),
    "VIRU": ("Abondance des virus dans les masses d'eau", []),
    "FCMW": ("Paramètres de cytométrie en flux dans les masses d'eau", []),
    "RBHY": ("Paramètres de biologie moléculaire", []),
    "ZBTX": ("Abondance taxonomique du zoobenthos", []),
    "MFAB": ("Abondance générique du zoobenthos", []),
    "FATX": ("Abondance des poissons dans les masses d'eau", []),
    "FIBM": ("Biomasse des poissons dans les masses d'eau", []),
    "FCST": ("Statistiques de captures de poissons et de coquillages", []),
    "FEFF": ("Effort de pêche", []),
    "GP080": ("Prises accessoires", []),
    "CETA": ("Abondance des cétacés", []),
    "FOCA": ("Abondance des phoques", []),
    "BRDA": ("Dénombrements d'oiseaux", []),
    "BDRV": ("Indices de biodiversité", []),
    "HBCH": ("Caractérisation des habitats", []),
    "HBEX": ("Étendue des habitats", []),
    "INVD": ("Paramètres de suivi des espèces invasives", []),
    "SBPH": ("Photographie des fonds marins", []),
    "WCPH": ("Photographie de la colonne d'eau", []),
    "SSCN": ("Sonar à balayage latéral", []),
    "SRFL": ("Sismique réflexion", []),
    "SRFR": ("Sismique réfraction", []),
    "GRAV": ("Gravimétrie", []),
    "MMAN": ("Magnétisme", []),
    "HFLW": ("Flux de chaleur géothermique", []),
    "RVDS": ("Débit des cours d'eau", []),
    "LRWL": ("Niveau d'eau des lacs et des cours d'eau", []),
    "AHGT": ("Coordonnées spatiales verticales", ["Profondeur"]),
    "ALAT": ("Coordonnées spatiales horizontales", ["Latitude", "Longitude"]),
    "AYMD": ("Date et heure", []),
    "ACFL": ("Indicateurs de contrôle qualité", []),
    "MPMN": ("Profondeur des instruments mouillés", []),
    "HEAD": ("Orientation de la plateforme ou de l'instrument", []),
}

# NVS L05 device categories.
L05 = {
    "130": ("Sondes CTD", ["Bathysonde", "Sonde conductivité-température-profondeur"]),
    "131": ("Engins remorqués ondulants équipés de CTD", []),
    "354": ("CTD non récupérables (XCTD)", []),
    "132": ("Bathythermographes", []),
    "389": ("Bathythermographes non récupérables (XBT)", []),
    "390": ("Bathythermographes mécaniques", []),
    "133": ("Thermosalinographes", ["TSG"]),
    "135": ("Chaînes de thermistances", []),
    "134": ("Capteurs de température de l'eau", []),
    "350": ("Capteurs de salinité", []),
    "WPS": ("Capteurs de pression de l'eau", []),
    "355": ("Capteurs de pH", []),
    "351": ("Capteurs de gaz dissous", []),
    "356": ("Capteurs de potentiel d'oxydoréduction", []),
    "185": ("Capteurs de célérité du son", []),
    "113": ("Fluorimètres", []),
    "124": ("Transmissiomètres", []),
    "123": ("Capteurs de rétrodiffusion optique", []),
    "183": ("Capteurs de rétrodiffusion acoustique", []),
    "122": ("Radiomètres", []),
    "304": ("Radiomètres de couleur de l'océan", []),
    "114": ("Courantomètres", []),
    "115": ("Profileurs de courant", ["ADCP", "Courantomètres à effet Doppler"]),
    "384": ("Vélocimètres acoustiques Doppler (ADV) et sondes de turbulence", []),
    "184": ("Capteurs de microstructure", []),
    "111": ("Marégraphes", []),
    "110": ("Houlographes", []),
    "112": ("Échosondeurs inversés", []),
    "157": ("Sondeurs multifaisceaux", []),
    "156": ("Sondeurs monofaisceau", []),
    "FFES": ("Sondeurs de pêche", []),
    "152": ("Sonars à balayage latéral", []),
    "154": ("Systèmes de sismique réflexion multitrace", []),
    "153": ("Systèmes de sismique réflexion monotrace", []),
    "155": ("Systèmes de sismique réfraction", []),
    "SNAG": ("Canon à air", []),
    "SPRK": ("Étinceleur", ["Sparker"]),
    "394": ("Sondeurs de sédiments à impulsions (pingers)", []),
    "158": ("Gravimètres", []),
    "159": ("Magnétomètres", []),
    "368": ("Sismomètres", []),
    "369": ("Hydrophones", []),
    "101": ("Anémomètres", []),
    "102": ("Ensembles de capteurs météorologiques", []),
    "103": ("Radiosondes", []),
    "381": ("Pluviomètres", []),
    "379": ("Altimètres", []),
    "186": ("Altimètres radar", []),
    "306": ("Radars à synthèse d'ouverture", ["RSO"]),
    "305": ("Diffusiomètres", []),
    "303": ("Radars de courants de surface", ["Radars HF"]),
    "311": ("Caméras", []),
    "378": ("Imageurs de profil sédimentaire", []),
    "30": ("Préleveurs d'eau ponctuels", ["Bouteilles Niskin"]),
    "31": ("Préleveurs d'eau en continu", []),
    "22": ("Filets à plancton", []),
    "68": ("Filets multiples", ["Multinet"]),
    "69": ("Filets à neuston", []),
    "21": ("Enregistreurs de plancton", []),
    "33": ("Pièges à sédiments", []),
    "50": ("Bennes à sédiments", []),
    "51": ("Carottiers à sédiments meubles", []),
    "53": ("Carottiers de roche", []),
    "54": ("Dragues à roches", []),
    "60": ("Dragues à sédiments", []),
    "24": ("Préleveurs de benthos", []),
    "62": ("Chaluts à perche", []),
    "23": ("Chaluts pélagiques", []),
    "61": ("Chaluts de fond", []),
    "65": ("Filets maillants", []),
    "LAB37": ("Cytomètres en flux", []),
    "181": ("Analyseurs de sels nutritifs", []),
    "LAB04": ("Autoanalyseurs", []),
    "LAB20": ("Spectrophotomètres", []),
    "LAB16": ("Spectromètres de masse", []),
    "LAB48": ("Spectromètres de masse à rapport isotopique", []),
    "LAB02": ("Chromatographes en phase gazeuse", []),
    "LAB11": ("Chromatographes en phase liquide à haute performance", ["HPLC"]),
    "LAB01": ("Analyseurs élémentaires", []),
    "LAB30": ("Salinomètres", []),
    "LAB12": ("Titrateurs", []),
    "LAB05": ("Microscopes optiques", []),
    "LAB07": ("Microscopes électroniques", []),
    "POS03": ("Récepteurs GPS NAVSTAR", []),
    "POS04": ("Récepteurs GPS différentiel", []),
    "POS26": ("Systèmes de positionnement acoustique à base ultra-courte", []),
    "POS17": ("Balises Argos à localisation Doppler", []),
    "DLOG": ("Enregistreurs de données", []),
    "TRTG": ("Balises de suivi", []),
    "91": ("Observateurs", []),
    "MOD04": ("Modèles océaniques", []),
    "MOD03": ("Modèles atmosphériques", []),
    "MOD08": ("Modèles biologiques et biogéochimiques", []),
    "MOD07": ("Modèles d'océanographie physique", []),
    "EQUIL": ("Équilibreurs", []),
    "361": ("Pénétromètres", []),
}

# GCMD platforms (2020): UUID -> (French preferred label, French alternative labels).
PLATFORMS = {
    "f3261de5-34c1-4980-af22-f9d7e7206d12": ("Plateformes", []),
    "e50b2a1a-7d9d-4c09-ac7e-dc29f0c08fc7": ("Plateformes in situ océaniques", []),
    "4f396ff6-7bea-4ba4-afa3-198ebd914a4a": ("Plateformes in situ terrestres", []),
    "3466eed1-2fbb-49bf-ab0b-dc08731d502b": ("Satellites d'observation de la Terre", []),
    "227d9c3d-f631-402d-84ed-b8c5a562fc27": ("Aéronefs", ["Avions"]),
    "113ecbc2-ab36-4d58-a96c-a6ce0106e749": ("Modèles et analyses", []),
    "82a67b12-e99d-4c90-8a6a-a6f79d4c3c7b": ("Navires", ["Navires océanographiques"]),
    "e36481f3-5507-428b-a870-67f6d96ae389": ("Bouées", []),
    "6e59f4bf-41dd-4ade-9070-4efcae4628fb": ("Flotteurs", ["Flotteurs profileurs", "Flotteurs Argo"]),
    "1468d86c-f2b8-4fbf-8e8b-8831fd598801": ("Mouillages", []),
    "1ea3829f-9479-46f5-a075-315da09867ae": ("Véhicules sous-marins autonomes (AUV)", []),
    "da6420b6-48ec-4ae2-98c7-0ef0538815a0": ("Véhicules sous-marins téléopérés (ROV)", []),
    "bf17bbac-0fc9-48b3-9b03-bd780ffe1eb0": ("Drones de surface (USV)", []),
    "63c8aa1d-6efc-4943-8891-3a1cd520dde0": ("Submersibles habités (HOV)", []),
    "9e903361-9170-421b-b0ab-3fa6d160c20a": ("Sous-marins", []),
    "51edfe40-a819-400d-9067-5d114b27b825": ("Planeur sous-marin Seaglider", ["Planeurs sous-marins", "Gliders"]),
    "d975d656-aa72-41fe-857f-1aa15b0543e2": ("Engin remorqué ondulant SeaSoar", []),
    "6ee1cf85-aa14-4fe9-a915-a8022830d8a7": ("Plateformes et stations océaniques", []),
    "d26f4894-667e-4e29-8e0b-5db476c98464": ("Stations météorologiques océaniques", []),
    "31e96f2f-9b8e-454f-a1f8-e8d791c13a33": ("Station de bilan de masse de la glace de mer", []),
    "897f64c0-14e3-48d8-99fe-a589f57133d0": ("Stations côtières", []),
    "294cc889-28bc-4a33-b630-8225f559c3e7": ("Radar HF CODAR SeaSonde", []),
    "cd14c407-881b-4fc1-8222-f1eeed77f4e2": ("Plateformes de forage", []),
    "3d83b3e3-1be0-4ab8-9cf5-3b7ade27586e": ("Bouée ancrée du NDBC", []),
    "b29f3baa-5bb8-4b64-8c5b-27c3de8084bd": ("Bouées DART (détection des tsunamis)", []),
    "c9cb3b35-570d-4aa4-a8e1-2a21aacc67c4": ("Bouées TAO", []),
    "22946f69-ea37-451d-afe5-409b42dcd983": ("Bouées TRITON", []),
    "d52d296b-370a-4741-8f07-e6b6873191c6": ("Mouillages ATLAS", []),
    "b4d40e77-a862-418e-a8dc-f7b7e704b4cc": ("Flotteur PALACE", []),
    "600ecdea-31c3-40e6-809a-226f74ffdec5": ("Embarcations pneumatiques", ["Zodiac"]),
    "7d682090-e4cc-4634-93ec-beba19afda60": ("N/O Polarstern", []),
    "e3d46087-97c7-4f61-8a90-f9b3ec5a7c6f": ("RRS Discovery", []),
    "30585903-f838-4b9c-86c2-8778559475f7": ("RRS James Clark Ross", []),
    "3b39f0fb-7cfb-495e-a752-82f87eba8fa3": ("N/O Atlantis", []),
    "4838472f-2b4c-4107-bd9e-3bf78a7c5562": ("Okeanos Explorer", []),
    "57323291-3348-4292-812e-7436d6a0781a": ("Submersible Alvin", []),
    "fe9b35e7-6243-44bb-ac42-ce8350e7a86f": ("Missions Earth Explorer de l'ESA", []),
    "4ea59dad-ed94-453e-a991-62c790a1d101": ("Jason-1", []),
    "987f0e52-e554-475a-b680-50df620a520e": ("OSTM/Jason-2", []),
    "bffa816a-c210-46ed-81cb-ffdf3310c1a5": ("Jason-3", []),
    "0df95c0e-77a5-46b5-94f4-3e5ae1391450": ("Sentinel-6", []),
    "007c3084-89db-458e-8387-14e192b6cb8e": ("Sentinel-1", []),
    "2ce20983-98b2-40b9-bb0e-a08074fb93b3": ("Sentinel-2", []),
    "8a19f309-46ee-424b-be9f-e7e57e5b8ca0": ("Sentinel-3", []),
    "5449d87b-5573-450f-8acb-2fdfeab3c8ce": ("Sentinel-3A", []),
    "41163801-6aac-43e5-aed7-9f52613a6a73": ("Sentinel-3B", []),
    "a641c997-0bd2-41aa-ba43-8e03066c3c2a": ("SMOS", []),
    "a915ab2f-46c5-493b-9f18-aeb3383ee72b": ("CryoSat-2", []),
    "63b6f3d6-3e9a-40c9-ae91-13f580c7b6c3": ("SWOT", []),
    "4e62dd32-7776-4646-ae8d-b85d97df415a": ("SARAL", []),
    "a1498dff-002d-4d67-9091-16822c608221": ("Envisat", []),
    "ea7fd15d-190d-43f3-bdd3-75f5d88dc3f8": ("Aqua", []),
    "b4fc57c3-7f36-40dc-8067-8b1f4dff4e3d": ("GOCE", []),
    "8c192c86-d07c-4e7b-af8f-92aa4b40fca7": ("MetOp", []),
    "0a7dad22-dace-4cdc-9a5b-7dfde4aa2822": ("ICESat-2", []),
    "2e7aa2e6-9d25-4c6e-aef3-6e86d3773bac": ("GRACE", []),
}

# English alternative labels Estran adds to GCMD's upper-case category names, so that the words
# depositors type find them.
PLATFORM_ALT_EN = {
    "82a67b12-e99d-4c90-8a6a-a6f79d4c3c7b": ["Research vessels", "Ships"],
    "e36481f3-5507-428b-a870-67f6d96ae389": ["Buoys"],
    "6e59f4bf-41dd-4ade-9070-4efcae4628fb": ["Profiling floats", "Argo floats"],
    "1468d86c-f2b8-4fbf-8e8b-8831fd598801": ["Moorings"],
    "1ea3829f-9479-46f5-a075-315da09867ae": ["Autonomous underwater vehicles"],
    "da6420b6-48ec-4ae2-98c7-0ef0538815a0": ["Remotely operated vehicles"],
    "bf17bbac-0fc9-48b3-9b03-bd780ffe1eb0": ["Uncrewed surface vehicles"],
    "63c8aa1d-6efc-4943-8891-3a1cd520dde0": ["Human-occupied vehicles", "Crewed submersibles"],
    "51edfe40-a819-400d-9067-5d114b27b825": ["Underwater gliders", "Gliders"],
}

# NVS C19 water bodies: notation code -> (French name, French alternative names).
C19 = {
    "SVX00025": ("Monde", []),
    "SVX00005": ("Océan Atlantique", []),
    "1": ("Océan Atlantique Nord", []),
    "4": ("Océan Atlantique Sud", []),
    "SVX00015": ("Océan Atlantique Nord-Est (40° O)", []),
    "SVX00017": ("Océan Atlantique Nord-Ouest (40° O)", []),
    "SVX00019": ("Océan Pacifique", []),
    "7": ("Océan Pacifique Nord", []),
    "8": ("Océan Pacifique Sud", []),
    "5": ("Océan Indien", []),
    "9": ("Océan Arctique", ["Océan glacial Arctique"]),
    "10": ("Océan Austral", []),
    "1_2": ("Mer du Nord", []),
    "2": ("Mer Baltique", []),
    "1_7": ("Manche", []),
    "1_7_1": ("Pas de Calais", ["Détroit du Pas-de-Calais"]),
    "1_8": ("Golfe de Gascogne", []),
    "1_6": ("Mer Celtique", []),
    "1_4": ("Mer d'Irlande", []),
    "1_5": ("Canal de Bristol", []),
    "SVX00026": ("Rade de Brest", []),
    "NSL03": ("Mer des Wadden", []),
    "2_2": ("Golfe de Botnie", []),
    "2_3": ("Golfe de Finlande", []),
    "2_5": ("Golfe de Riga", []),
    "3": ("Région méditerranéenne", []),
    "3_1": ("Mer Méditerranée", []),
    "3_1_1": ("Mer Méditerranée, bassin occidental", []),
    "3_1_2": ("Mer Méditerranée, bassin oriental", []),
    "3_1_1_1": ("Détroit de Gibraltar", []),
    "3_1_1_2": ("Mer d'Alboran", []),
    "3_1_1_3": ("Mer des Baléares", []),
    "3_1_1_4": ("Mer Ligure", []),
    "3_1_1_5": ("Mer Tyrrhénienne", []),
    "3_1_2_1": ("Mer Adriatique", []),
    "3_1_2_2": ("Détroit de Sicile", ["Canal de Sicile"]),
    "3_1_2_3": ("Mer Ionienne", []),
    "3_1_2_4": ("Mer Égée", []),
    "3_2": ("Mer de Marmara", []),
    "3_3": ("Mer Noire", []),
    "3_4": ("Mer d'Azov", []),
    "SVX00007": ("Mer Caspienne", []),
    "9_7": ("Mer de Norvège", []),
    "9_6": ("Mer du Groenland", []),
    "9_4": ("Mer de Barents", []),
    "9_8": ("Mer d'Islande", []),
    "1_15": ("Mer du Labrador", []),
    "IRM": ("Mer d'Irminger", []),
    "9_12": ("Baie de Baffin", []),
    "9_11": ("Baie d'Hudson", []),
    "FRAM": ("Détroit de Fram", []),
    "9_9": ("Détroit de Davis", []),
    "9_3": ("Mer de Kara", []),
    "9_2": ("Mer des Laptev", []),
    "9_5": ("Mer Blanche", []),
    "9_15": ("Mer de Beaufort", []),
    "9_16": ("Mer des Tchouktches", []),
    "7_8": ("Mer de Béring", []),
    "7_9": ("Détroit de Béring", []),
    "9_1": ("Mer de Sibérie orientale", []),
    "1_11": ("Golfe du Mexique", []),
    "1_10": ("Mer des Caraïbes", ["Mer des Antilles"]),
    "1_9": ("Golfe de Guinée", []),
    "1_14": ("Golfe du Saint-Laurent", []),
    "SVX00031": ("Golfe du Maine", []),
    "1_13": ("Baie de Fundy", []),
    "1_12": ("Détroit de Floride", []),
    "5_4": ("Mer Rouge", []),
    "5_6": ("Golfe Persique", []),
    "5_9": ("Mer d'Arabie", []),
    "5_5": ("Golfe d'Aden", []),
    "5_8": ("Golfe d'Oman", []),
    "5_13": ("Golfe du Bengale", []),
    "5_1": ("Canal du Mozambique", []),
    "5_14": ("Mer d'Andaman", []),
    "5_7": ("Détroit d'Ormuz", []),
    "6_1": ("Mer de Chine méridionale", []),
    "7_3": ("Mer de Chine orientale", []),
    "7_4": ("Mer Jaune", []),
    "7_6": ("Mer du Japon", []),
    "7_7": ("Mer d'Okhotsk", []),
    "7_1": ("Mer des Philippines", []),
    "8_3": ("Mer de Corail", []),
    "8_4_": ("Mer de Tasman", []),
    "5_15": ("Mer de Timor", []),
    "5_16": ("Mer d'Arafura", []),
    "6_3": ("Golfe de Thaïlande", []),
    "6_5": ("Détroit de Malacca", []),
    "7_10": ("Golfe d'Alaska", []),
    "7_12": ("Golfe de Californie", []),
    "5_17": ("Grande Baie australienne", []),
    "10_1": ("Mer de Weddell", []),
    "10_10": ("Mer de Ross", []),
    "10_11": ("Mer d'Amundsen", []),
    "10_12": ("Mer de Bellingshausen", []),
    "4_3": ("Passage de Drake", []),
    "4_2": ("Mer du Scotia", []),
    "10_8": ("Mer Dumont-d'Urville", []),
    "4_1": ("Río de la Plata", []),
}


def _text(value) -> str:
    return " ".join(str(value).split())


def _english(graph: Graph, subject, predicate) -> list[str]:
    return sorted(
        {
            _text(o)
            for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and (o.language in (None, "en")) and _text(o)
        }
    )


def _short(text: str) -> str:
    if text.startswith("{") or not text:
        return ""
    return text if len(text) <= DEFINITION_MAX else text[: DEFINITION_MAX - 1].rsplit(" ", 1)[0] + "…"


def _lit(text: str, lang: str | None = None) -> str:
    return Literal(text, lang=lang).n3()


class Writer:
    def __init__(self):
        self.lines = [
            "# The Estran demo vocabulary set, loaded by `make run`. Generated by build_demo.py from the",
            "# real SKOS exports in ../shared/vocabularies (concept URIs, English labels, notations and",
            "# definitions are upstream's; French labels are upstream's for INSPIRE and the ISO topic",
            "# categories, Estran's for the others, as are a few English alternative labels of GCMD",
            "# platforms). Do not edit by hand: change build_demo.py and rerun it.",
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
            "@prefix dct: <http://purl.org/dc/terms/> .",
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
            "",
        ]
        self.count = 0

    def group(self, uri: str, kind: str, title: str, version: str, description: str, members: list[str]):
        self.lines.append(f"<{uri}> a skos:{kind} ;")
        self.lines.append(f"    skos:prefLabel {_lit(title, 'en')} ;")
        self.lines.append(f"    owl:versionInfo {_lit(version)} ;")
        if kind == "Collection":
            self.lines.append(f"    skos:member {' , '.join(f'<{m}>' for m in members)} ;")
        self.lines.append(f"    dct:description {_lit(description, 'en')} .")
        self.lines.append("")

    def concept(
        self,
        uri: str,
        *,
        scheme: str | None,
        en: str,
        fr: str,
        alt_en: list[str],
        alt_fr: list[str],
        notation: str = "",
        definition: str = "",
        broader: str = "",
    ):
        parts = [f"<{uri}> a skos:Concept"]
        if scheme:
            parts.append(f"skos:inScheme <{scheme}>")
        parts.append(f"skos:prefLabel {_lit(en, 'en')} , {_lit(fr, 'fr')}")
        alts = [_lit(a, "en") for a in alt_en if a.casefold() != en.casefold()]
        alts += [_lit(a, "fr") for a in alt_fr if a.casefold() != fr.casefold()]
        if alts:
            parts.append(f"skos:altLabel {' , '.join(alts)}")
        if notation:
            parts.append(f"skos:notation {_lit(notation)}")
        if definition:
            parts.append(f"skos:definition {_lit(definition, 'en')}")
        if broader:
            parts.append(f"skos:broader <{broader}>")
        self.lines.append(" ;\n    ".join(parts) + " .")
        self.lines.append("")
        self.count += 1


def _nvs(writer: Writer, graph: Graph, collection: str, table: dict, description: str):
    coll = URIRef(NVS.format(collection))
    members = [NVS.format(collection) + code + "/" for code in table]
    title = _english(graph, coll, SKOS.prefLabel)[0]
    version = _text(graph.value(coll, OWL.versionInfo))
    writer.group(str(coll), "Collection", title, version, description, members)
    for code, (fr, alt_fr) in table.items():
        uri = URIRef(NVS.format(collection) + code + "/")
        if (uri, RDF.type, SKOS.Concept) not in graph:
            raise SystemExit(f"{uri} is not in the {collection} file")
        if _text(graph.value(uri, OWL.deprecated)).lower() == "true":
            raise SystemExit(f"{uri} is deprecated upstream")
        writer.concept(
            str(uri),
            scheme=None,
            en=_english(graph, uri, SKOS.prefLabel)[0],
            fr=fr,
            alt_en=_english(graph, uri, SKOS.altLabel),
            alt_fr=alt_fr,
            notation=_text(graph.value(uri, SKOS.notation)),
            definition=_short(_text(graph.value(uri, SKOS.definition) or "")),
        )


def _platforms(writer: Writer, graph: Graph):
    gcmd_ns = "http://gcmd.gsfc.nasa.gov/kms#"
    block = next(graph.subjects(URIRef(gcmd_ns + "keywordVersion"), None))
    keyword_version = graph.value(block, URIRef(gcmd_ns + "keywordVersion"))
    version = f"{keyword_version} ({graph.value(block, URIRef(gcmd_ns + 'schemeVersion'))})"
    writer.group(
        GCMD_PLATFORMS,
        "ConceptScheme",
        "GCMD Platforms",
        version,
        f"A subset of {len(PLATFORMS)} GCMD platform keywords for Estran's demo.",
        [],
    )
    chosen = {GCMD_CONCEPT + u for u in PLATFORMS}
    for uuid, (fr, alt_fr) in PLATFORMS.items():
        uri = URIRef(GCMD_CONCEPT + uuid)
        if (uri, RDF.type, SKOS.Concept) not in graph:
            raise SystemExit(f"{uri} is not in the GCMD platforms file")
        alt_en = [
            _text(t)
            for node in graph.objects(uri, URIRef(gcmd_ns + "altLabel"))
            for t in graph.objects(node, URIRef(gcmd_ns + "text"))
            if _text(t)
        ]
        broader = [str(b) for b in graph.objects(uri, SKOS.broader) if str(b) in chosen]
        writer.concept(
            str(uri),
            scheme=GCMD_PLATFORMS,
            en=_english(graph, uri, SKOS.prefLabel)[0],
            fr=fr,
            alt_en=sorted(set(alt_en + _english(graph, uri, SKOS.altLabel))) + PLATFORM_ALT_EN.get(uuid, []),
            alt_fr=alt_fr,
            definition=_short(_text(graph.value(uri, SKOS.definition) or "")),
            broader=broader[0] if broader else "",
        )


def _multilingual(writer: Writer, graph: Graph, description: str):
    """ISO topic categories and INSPIRE themes: every concept, English and French from upstream."""
    scheme = next(graph.subjects(RDF.type, SKOS.ConceptScheme))
    titles = [_text(t) for t in graph.objects(scheme, DC.title) if t.language in (None, "en")]
    titles += [_text(t) for t in graph.objects(scheme, DCTERMS.title) if t.language in (None, "en")]
    version = _text(graph.value(scheme, DCTERMS.modified) or graph.value(scheme, DCTERMS.issued) or "")
    writer.group(str(scheme), "ConceptScheme", titles[0], version, description, [])
    for uri in sorted(graph.subjects(RDF.type, SKOS.Concept)):
        labels = {o.language: _text(o) for o in graph.objects(uri, SKOS.prefLabel) if isinstance(o, Literal)}
        notes = {o.language: _text(o) for o in graph.objects(uri, SKOS.scopeNote) if isinstance(o, Literal)}
        writer.concept(
            str(uri),
            scheme=str(scheme),
            en=labels["en"],
            fr=labels["fr"],
            alt_en=_english(graph, uri, SKOS.altLabel),
            alt_fr=[],
            definition=_short(notes.get("en", "")),
        )


def build(shared: Path) -> str:
    logging.getLogger("rdflib").setLevel(logging.ERROR)

    def load(name: str, fmt: str) -> Graph:
        g = Graph()
        g.parse(shared / name, format=fmt)
        return g

    writer = Writer()
    _nvs(
        writer,
        load("nvs-P02.ttl", "turtle"),
        "P02",
        P02,
        f"A subset of {len(P02)} NVS P02 parameter groups for Estran's demo, with French labels.",
    )
    _nvs(
        writer,
        load("nvs-L05.ttl", "turtle"),
        "L05",
        L05,
        f"A subset of {len(L05)} NVS L05 device categories for Estran's demo, with French labels.",
    )
    _platforms(writer, load("gcmd-platforms-2020.rdf", "xml"))
    _nvs(
        writer,
        load("nvs-C19.ttl", "turtle"),
        "C19",
        C19,
        f"A subset of {len(C19)} NVS C19 water bodies for Estran's demo, with French names.",
    )
    _multilingual(
        writer,
        load("iso19115-topic-categories.rdf", "xml"),
        "The 19 ISO 19115 topic categories, in English and French.",
    )
    _multilingual(
        writer, load("inspire-themes-gn.rdf", "xml"), "The 34 INSPIRE spatial data themes, in English and French."
    )
    return "\n".join(writer.lines), writer.count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=HERE.parents[1].parent / "shared" / "vocabularies")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text, count = build(args.shared)
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {count} concepts to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
